"""Rules on concrete strings: emergency, threat and self-harm cues, personal data, spam, insults."""
import pytest

from workers.classifier import rules


def kinds(text):
    return {c.kind for c in rules.scan(text)}


def strong_critical(text):
    return [c for c in rules.scan(text)
            if c.kind in ("emergency", "self_harm", "threat") and c.strong]


def test_fold_strips_accents_ligatures_apostrophes_and_long_runs():
    folded, src = rules.fold_with_map("Ça SENT le gaz, aïe\u2019 secouuuurs Cœur")
    assert folded == "ca sent le gaz, aie' secours coeur"
    assert len(src) == len(folded)


def test_gas_leak_cue_quotes_the_original_words():
    cues = strong_critical("fuite de gaz devant l'école, ça sent très fort")
    assert [(c.kind, c.label, c.quote) for c in cues] == [("emergency", "gas leak", "fuite de gaz")]
    assert cues[0].describe() == "gas leak \u00ab fuite de gaz \u00bb"


@pytest.mark.parametrize("text,label", [
    ("ÇA SENT LE GAZ DANS LA CAGE D'ESCALIER", "gas leak"),
    ("ya le feu a la cave!!! 🔥", "fire"),
    ("Au secouuurs mon père ne respire plus", "person in danger"),
    ("l'eau monte dans le salon, tout est inonde", "flood"),
    ("grave accident devant l'ecole, un pieton renverse par un bus", "accident"),
    ("Un homme armé d'un couteau menace les passants", "violence"),
    ("Explosion à l'usine, nuage toxique sur le quartier", "crisis"),
    ("There's a fire in the flats, smoke everywhere", "fire"),
    ("I can smell gas in the stairwell", "gas leak"),
    ("Someone is drowning in the canal", "person in danger"),
    ("Ma fille est perdue au marché, elle a 6 ans", "person in danger"),
    ("notre petite a disparu dans la foule !!", "person in danger"),
])
def test_emergency_cues_in_many_registers(text, label):
    assert label in {c.label for c in strong_critical(text)}


@pytest.mark.parametrize("text", [
    "je vais me tuer ce soir", "jvais me foutre en l'air", "j'ai envie d'en finir",
    "Je n'ai plus envie de vivre", "I want to end it all", "i'm going to kill myself",
])
def test_self_harm_cues(text):
    assert "self_harm" in {c.kind for c in strong_critical(text)}


@pytest.mark.parametrize("text", [
    "je vais vous buter", "Je vais VOUS TUER tous", "on va mettre le feu à la mairie",
    "Je sais où tu habites", "une bombe au conseil municipal", "I'll kill you",
    "I know where you live", "we're going to burn down the town hall",
])
def test_threat_cues(text):
    assert "threat" in kinds(text)


@pytest.mark.parametrize("text", [
    "Le feu d'artifice du 14 juillet était magnifique",
    "Le feu rouge de l'avenue est en panne",
    "Ces travaux me tuent, trois mois de bruit",
    "je suis mort de rire 😂",
    "Quand a lieu l'exercice incendie à l'école ?",
    "You should fire the manager",
    "Merci pour votre aide, à demain",
    "Bonjour, ma fille a perdu son doudou au parc du Château dimanche",  # a child who lost something
    "Mon fils a perdu sa carte de bus, comment en refaire une ?",
])
def test_no_critical_cue_on_near_misses(text):
    assert strong_critical(text) == []


@pytest.mark.parametrize("text", [
    "L'inondation de l'an dernier : quand serons-nous indemnisés ?",
    "Les bus scolaires n'ont toujours pas de ceintures. Ça attend un accident ?",
])
def test_past_or_hypothetical_events_are_weak_cues(text):
    cues = [c for c in rules.scan(text) if c.kind == "emergency"]
    assert cues and not any(c.strong for c in cues)


@pytest.mark.parametrize("text,label", [
    ("appelez moi au 06 12 34 56 78", "phone number"),
    ("mon tel 06.12.34.56.78", "phone number"),
    ("tel: 0612345678", "phone number"),
    ("+33 6 12 34 56 78 sur whatsapp", "phone number"),
    ("+33 (0)6 12 34 56 78", "phone number"),
    ("call +44 7700 900123", "phone number"),
    ("my number (555) 123-4567", "phone number"),
    ("écrivez à marie.dupont@gmail.com", "e-mail address"),
    ("jdupont[at]free.fr", "e-mail address"),
    ("marie dot dupont at gmail dot com", "e-mail address"),
    ("j'habite au 12 rue de la Paix 75002 Paris", "postal address"),
    ("3 bis avenue Jean Jaurès", "postal address"),
    ("I live at 42 Baker Street", "postal address"),
    ("IBAN FR76 3000 6000 0112 3456 7890 189", "bank account (IBAN)"),
])
def test_personal_data_detected_without_echoing_it(text, label):
    cues = [c for c in rules.scan(text) if c.kind == "personal_data"]
    assert label in {c.label for c in cues}
    assert all(c.quote == "" for c in cues)


@pytest.mark.parametrize("text", [
    "Il reste 3 places de parking", "rendez-vous le 12/03/2024 à 14h30",
    "75002 Paris", "we have 3 big trees on the road", "Le bus 12 passe à 8h15",
    "J'ai 2 enfants à l'école Jules Ferry", "Budget 2025 : 1 250 000 euros",
])
def test_no_personal_data_false_positives(text):
    assert "personal_data" not in kinds(text)


@pytest.mark.parametrize("text,label", [
    ("Gagnez 5000€ par semaine depuis chez vous !", "money promise"),
    ("voir bit.ly/abc123", "link shortener"),
    ("Félicitations, vous avez gagné un iPhone", "prize"),
    ("Votre colis est en attente, payez les frais", "phishing"),
    ("Earn $300 a day, link in bio", "money promise"),
])
def test_spam_cues(text, label):
    assert label in {c.label for c in rules.scan(text) if c.kind == "spam"}


def test_insult_lexicon_and_plain_swearing():
    assert "insult" in kinds("bande de CONNARDS")
    assert "insult" in kinds("you absolute moron")
    assert "insult" not in kinds("putain il pleut encore")
    assert "insult" not in kinds("merde j'ai raté le bus")


def test_features_have_the_declared_length():
    text = "Fuite de gaz !! merci"
    assert len(rules.features(text, rules.scan(text))) == len(rules.FEATURE_NAMES)

"""Build Parvis's own labelled set of citizen messages: train.jsonl and test.jsonl.

Run:  python -m workers.classifier.data.build_dataset   (deterministic, seeded)

Every base message below was written by hand for this set. A base is a *group*: all its
variants (register rewrites: no accents, SMS spelling, caps, emoji, greeting/sign-off,
contact details appended, slot fillings) stay in the same split, so the test split measures
generalisation to unseen messages, not to re-spellings of training messages. About 20% of
the groups of each category and language go to the test split.

Labelling conventions
- sentiment: the author's attitude. Spam/scams are neutral; emergencies and threats negative.
- urgency: critical = danger to people/property now, threats, self-harm; high = a service
  failure hurting someone now, a deadline today, press or elected officials asking;
  normal = questions, requests, ordinary complaints, insults to moderate; low = thanks,
  reactions, spam, nothing to answer. Past, hypothetical or fictional events are not critical.
- flags: toxic = insult, harassment, hate (swearing that targets nobody is not toxic);
  threat = intent to harm someone or something; spam = spam or scam; personal_data = a
  phone number, e-mail address, precise postal address (number + street), IBAN or similar.
Tags in front of a base override its category labels: [pos] [neu] [neg], [crit] [high]
[norm] [low], [toxic] [threat] [spam] [pd], and [-threat] etc. to remove a default flag.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import sys
import unicodedata
from pathlib import Path

SEED = 20261126
TEST_SHARE = 0.2
HERE = Path(__file__).resolve().parent

# category -> (sentiment, urgency, flags, variants per base, share of variants with contact data)
CATEGORIES = {
    "question": ("neutral", "normal", (), 3, 0.25),
    "request": ("neutral", "normal", (), 3, 0.3),
    "complaint": ("negative", "normal", (), 3, 0.2),
    "high": ("negative", "high", (), 3, 0.2),
    "press": ("neutral", "high", (), 3, 0.3),
    "praise": ("positive", "low", (), 3, 0.0),
    "reaction": ("neutral", "low", (), 2, 0.0),
    "positive_ask": ("positive", "normal", (), 3, 0.15),
    "sarcasm": ("negative", "normal", (), 3, 0.0),
    "insult": ("negative", "normal", ("toxic",), 3, 0.0),
    "hate": ("negative", "normal", ("toxic",), 3, 0.0),
    "threat": ("negative", "critical", ("threat",), 3, 0.0),
    "spam": ("neutral", "low", ("spam",), 3, 0.0),
    "personal": ("neutral", "normal", ("personal_data",), 3, 0.0),
    "fire": ("negative", "critical", (), 3, 0.15),
    "flood": ("negative", "critical", (), 3, 0.15),
    "gas": ("negative", "critical", (), 3, 0.15),
    "accident": ("negative", "critical", (), 3, 0.1),
    "violence": ("negative", "critical", (), 3, 0.1),
    "danger": ("negative", "critical", (), 3, 0.1),
    "self_harm": ("negative", "critical", (), 3, 0.0),
    "crisis": ("negative", "critical", (), 3, 0.1),
    "near_miss": ("neutral", "normal", (), 3, 0.05),
    "criticism": ("negative", "normal", (), 3, 0.05),
}
FLAGS = ("toxic", "threat", "spam", "personal_data")
_SENT_TAGS = {"pos": "positive", "neu": "neutral", "neg": "negative"}
_URG_TAGS = {"crit": "critical", "high": "high", "norm": "normal", "low": "low"}
_FLAG_TAGS = {"toxic": "toxic", "threat": "threat", "spam": "spam", "pd": "personal_data"}
_TAG_RX = re.compile(r"^\[([a-z,\- ]+)\]\s*")

FR_SMS = [
    (r"\bil y a\b", "ya"), (r"\bje suis\b", "chui"), (r"\bje vais\b", "jvais"),
    (r"\bqu'est-ce que\b", "keske"), (r"\bpourquoi\b", "pk"), (r"\bbeaucoup\b", "bcp"),
    (r"\bs'il vous pla[iî]t\b", "svp"), (r"\bs'il te pla[iî]t\b", "stp"), (r"\bbonjour\b", "bjr"),
    (r"\baujourd'hui\b", "ajd"), (r"\bquelqu'un\b", "qqn"), (r"\btoujours\b", "tjrs"),
    (r"\bmerci\b", "mci"), (r"\bavec\b", "avc"), (r"\bdans\b", "ds"), (r"\bvous\b", "vs"),
    (r"\bnous\b", "ns"), (r"\bquand\b", "qd"), (r"\bcomment\b", "cmt"), (r"\bquoi\b", "koi"),
    (r"\bc'est\b", "c"), (r"\btout\b", "tt"), (r"\bquelque chose\b", "qqch"),
    (r"\bd'accord\b", "dac"), (r"\bvraiment\b", "vrmt"), (r"\bpersonne\b", "perso"),
    (r"\bje ne\b", "je"), (r"\bn'", ""), (r"\bne\b ", ""), (r"\btrès\b", "tres"),
    (r"\bdemain\b", "dem1"), (r"\bmaintenant\b", "mtn"), (r"\bqu'il\b", "kil"),
]
EN_SMS = [
    (r"\byou\b", "u"), (r"\bare\b", "r"), (r"\bplease\b", "pls"), (r"\bbecause\b", "bc"),
    (r"\btonight\b", "2nite"), (r"\bpeople\b", "ppl"), (r"\bthanks\b", "thx"),
    (r"\bI am\b", "im"), (r"\bI'm\b", "im"), (r"\bdon't\b", "dont"), (r"\bcan't\b", "cant"),
    (r"\bright now\b", "rn"), (r"\bsomeone\b", "some1"), (r"\bbefore\b", "b4"),
    (r"\bwhat\b", "wat"), (r"\byour\b", "ur"), (r"\bgreat\b", "gr8"), (r"\bto be honest\b", "tbh"),
]


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def sms(text: str, lang: str, rng: random.Random) -> str:
    out = text.lower()
    for pattern, repl in (FR_SMS if lang == "fr" else EN_SMS):
        if rng.random() < 0.85:
            out = re.sub(pattern, repl, out, flags=re.IGNORECASE)
    out = re.sub(r"[.,;:](\s|$)", r" ", out) if rng.random() < 0.6 else out
    out = strip_accents(out) if rng.random() < 0.7 else out
    return re.sub(r"\s{2,}", " ", out).strip()


def typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    k = rng.randrange(1, len(w) - 1)
    words[i] = w[:k] + w[k + 1:] if rng.random() < 0.5 else w[:k] + w[k] + w[k:]
    return " ".join(words)


def lines(block: str) -> list[str]:
    return [line.strip() for line in block.strip().splitlines() if line.strip()]


def parse_base(raw: str, category: str) -> tuple[str, dict]:
    sentiment, urgency, flags, *_ = CATEGORIES[category]
    labels = {"sentiment": sentiment, "urgency": urgency, "flags": set(flags)}
    m = _TAG_RX.match(raw)
    if m:
        for tag in (t.strip() for t in m.group(1).split(",")):
            if tag in _SENT_TAGS:
                labels["sentiment"] = _SENT_TAGS[tag]
            elif tag in _URG_TAGS:
                labels["urgency"] = _URG_TAGS[tag]
            elif tag in _FLAG_TAGS:
                labels["flags"].add(_FLAG_TAGS[tag])
            elif tag.startswith("-") and tag[1:] in _FLAG_TAGS:
                labels["flags"].discard(_FLAG_TAGS[tag[1:]])
            else:
                raise ValueError(f"unknown tag {tag!r} in {raw!r}")
        raw = raw[m.end():]
    return raw, labels


def fill_slots(text: str, lang: str, rng: random.Random) -> tuple[str, bool]:
    """Fill {lieu}/{place}, {tel}, {mail}, {adresse}, {iban}. Returns (text, has_personal_data)."""
    personal = False
    places = FR_PLACES if lang == "fr" else EN_PLACES
    while "{lieu}" in text or "{place}" in text:
        text = re.sub(r"\{(?:lieu|place)\}", rng.choice(lines(places)), text, count=1)
    for slot, maker in (("{tel}", make_phone), ("{mail}", make_email),
                        ("{adresse}", make_address), ("{iban}", make_iban)):
        while slot in text:
            text = text.replace(slot, maker(lang, rng), 1)
            personal = True
    return text, personal


def render(base: str, lang: str, category: str, k: int, rng: random.Random) -> tuple[str, bool]:
    """Variant k of a base message (variant 0 is the base as written)."""
    text, personal = fill_slots(base, lang, rng)
    if k == 0:
        return text, personal
    greetings, closers = (FR_GREETINGS, FR_CLOSERS) if lang == "fr" else (EN_GREETINGS, EN_CLOSERS)
    if rng.random() < 0.35 and category not in ("reaction", "spam"):
        text = f"{rng.choice(lines(greetings))} {text}".strip()
    if rng.random() < 0.3 and category not in ("reaction", "threat", "insult", "hate"):
        text = f"{text} {rng.choice(lines(closers))}".strip()
    style = rng.choice(["accents", "sms", "lower", "caps", "emoji", "typo", "emoji", "sms", "plain"])
    if style == "accents":
        text = strip_accents(text)
    elif style == "sms":
        text = sms(text, lang, rng)
    elif style == "lower":
        text = text.lower().rstrip(".")
    elif style == "caps" and category not in ("praise", "reaction", "question"):
        text = text.upper()
    elif style == "typo":
        text = typo(text, rng)
    if style == "emoji" or rng.random() < 0.2:
        text = f"{text} {''.join(rng.sample(EMOJI.get(category, EMOJI['default']), rng.randint(1, 2)))}"
    if category in ("fire", "flood", "gas", "accident", "violence", "danger") and rng.random() < 0.3:
        text = text.rstrip(".!") + rng.choice(["!!", "!!!", " !!", " vite", " svp"] if lang == "fr" else ["!!", "!!!", " now", " asap"])
    return text, personal


def contact_sentence(lang: str, rng: random.Random) -> str:
    text, _ = fill_slots(rng.choice(lines(FR_CONTACT if lang == "fr" else EN_CONTACT)), lang, rng)
    return text


def build_rows() -> list[dict]:
    rng = random.Random(SEED)
    rows = []
    for lang, corpus in (("fr", FR), ("en", EN)):
        for category, bases in corpus.items():
            _, _, _, n_variants, contact_share = CATEGORIES[category]
            for raw in lines(bases):
                base, labels = parse_base(raw, category)
                group = f"{lang}-{category}-{hashlib.sha1(base.encode('utf-8')).hexdigest()[:10]}"
                seen = set()
                for k in range(n_variants):
                    text, personal = render(base, lang, category, k, rng)
                    if k > 0 and rng.random() < contact_share:
                        sep = rng.choice([" ", ". ", ", ", "\n"])
                        text = f"{text.rstrip()}{sep}{contact_sentence(lang, rng)}"
                        personal = True
                    if text in seen:
                        continue
                    seen.add(text)
                    flags = set(labels["flags"]) | ({"personal_data"} if personal else set())
                    rows.append({
                        "text": text, "lang": lang, "sentiment": labels["sentiment"],
                        "urgency": labels["urgency"],
                        "flags": [f for f in FLAGS if f in flags],
                        "category": category, "group": group,
                    })
    return rows


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Assign whole groups to test, ~TEST_SHARE of the groups of each (lang, category)."""
    by_stratum: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        groups = by_stratum.setdefault((row["lang"], row["category"]), [])
        if row["group"] not in groups:
            groups.append(row["group"])
    test_groups = set()
    for stratum in sorted(by_stratum):
        groups = by_stratum[stratum]
        ranked = sorted(groups, key=lambda g: hashlib.sha256(f"{SEED}:{g}".encode()).hexdigest())
        test_groups.update(ranked[:max(1, round(len(groups) * TEST_SHARE))])
    train = [r for r in rows if r["group"] not in test_groups]
    test = [r for r in rows if r["group"] in test_groups]
    return train, test


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(out_dir: Path = HERE) -> dict:
    rows = build_rows()
    train, test = split(rows)
    write_jsonl(out_dir / "train.jsonl", train)
    write_jsonl(out_dir / "test.jsonl", test)
    summary = {"rows": len(rows), "train": len(train), "test": len(test),
               "fr": sum(r["lang"] == "fr" for r in rows), "en": sum(r["lang"] == "en" for r in rows),
               "groups": len({r["group"] for r in rows})}
    for flag in FLAGS:
        summary[flag] = sum(flag in r["flags"] for r in rows)
    for urgency in ("critical", "high", "normal", "low"):
        summary[urgency] = sum(r["urgency"] == urgency for r in rows)
    return summary

# ---------------------------------------------------------------------------------------------
# Fragments shared by all bases: places, greetings, sign-offs, contact sentences, emoji, and
# generators of contact data in many real-world spellings (some deliberately hard to detect).
# ---------------------------------------------------------------------------------------------
FR_PLACES = """
rue Victor Hugo
devant l'école Jean Moulin
place du Marché
au croisement de l'avenue de la Gare
près du gymnase
dans le quartier des Tilleuls
à côté de la médiathèque
sur le parking de la piscine
au rond-point de la zone commerciale
rue de la République
derrière la salle des fêtes
boulevard Gambetta
au bout du chemin des Vignes
dans la cité des Pâquerettes
près de l'arrêt de bus Mairie
au pied de la tour B
le long du canal
sur la départementale vers Saint-Martin
à l'entrée du collège
dans le parc Jean Jaurès
quai de la Loire
allée des Platanes
près de la boulangerie de la rue Pasteur
sous le pont de chemin de fer
au lotissement les Chênes
en face de la pharmacie
sur la place de l'église
avenue Jean Jaurès
à la sortie du supermarché
vers le stade municipal
"""
EN_PLACES = """
on Main Street
outside the primary school
in the market square
at the corner of Station Road
near the leisure centre
in the Riverside estate
next to the library
in the swimming pool car park
at the retail park roundabout
on High Street
behind the community hall
along the canal path
near the bus stop by the town hall
at the bottom of Church Lane
in Victoria Park
by the railway bridge
outside the secondary school gates
on the bypass towards Ashford
opposite the pharmacy
near the football ground
"""
FR_GREETINGS = """
Bonjour,
Bonjour
Bonsoir,
Madame, Monsieur,
Bjr
Slt
Salut
Hello
Bonjour la mairie,
Bonjour à l'équipe,
Madame la Maire,
Monsieur le Maire,
"""
EN_GREETINGS = """
Hi,
Hello,
Hi there
Dear Sir or Madam,
Good morning,
Hey
Hello council,
"""
FR_CLOSERS = """
Merci d'avance.
Cordialement.
Cdlt
Bonne journée
Merci
Merci de votre retour
Bien à vous.
Salutations.
Bonne soirée
"""
EN_CLOSERS = """
Thanks in advance.
Regards,
Kind regards
Thanks
Cheers
Best wishes
Many thanks.
"""
FR_CONTACT = """
Mon numéro : {tel}
Rappelez-moi au {tel} svp
vous pouvez me joindre au {tel}
mon tel {tel}
Mon mail : {mail}
écrivez-moi à {mail}
j'habite au {adresse}
Mon adresse : {adresse}
Je suis au {adresse}, tél {tel}
contact : {mail} / {tel}
c'est au {adresse}
Pour le remboursement voici mon IBAN {iban}
Ma voisine Mme Leroy ({tel}) peut confirmer
Joignable au {tel} après 18h
mon fils vous écrira depuis {mail}
Envoyez le courrier au {adresse}
"""
EN_CONTACT = """
My number is {tel}
Call me back on {tel} please
you can reach me at {tel}
email me at {mail}
My email: {mail}
I live at {adresse}
My address is {adresse}
I'm at {adresse}, phone {tel}
contact: {mail} / {tel}
my neighbour Mrs Green ({tel}) can confirm
Send the letter to {adresse}
"""
EMOJI = {
    "default": "🙂🙏👍🤔",
    "praise": "😍👏🙏❤️👍🥰✨💪",
    "positive_ask": "😊🙏👍✨",
    "reaction": "👍😂👌🙂😅",
    "complaint": "😡🤬👎😤😠🙄",
    "high": "😡😢🙏😤⚠️",
    "criticism": "😡👎🙄😤",
    "sarcasm": "🙄👏😂🤡👌",
    "insult": "🤡🤬🖕💩",
    "hate": "🤬🖕",
    "threat": "🔪🔥💣😈",
    "spam": "💰🤑🚀✅🔥💎",
    "question": "🤔🙂🙏",
    "request": "🙏🙂",
    "fire": "🔥🚒😱🆘",
    "flood": "🌊😱🆘⚠️",
    "gas": "⚠️😱🆘",
    "accident": "🚑😱🆘",
    "violence": "😱🆘🚓",
    "danger": "🆘😱🙏",
    "self_harm": "😢💔🖤",
    "crisis": "⚠️😱🆘",
}
FIRST = ["marie", "jean", "sophie", "karim", "lucas", "fatou", "nathalie", "thomas", "ines", "pierre",
         "chloe", "mehdi", "sarah", "julien", "camille", "john", "emma", "oliver", "amelia", "james"]
LAST = ["dupont", "martin", "bernard", "diallo", "petit", "moreau", "nguyen", "lefebvre", "garcia",
        "roux", "benali", "smith", "jones", "taylor", "brown", "wilson"]
FR_STREETS = ["rue de la Paix", "avenue Jean Jaurès", "rue Victor Hugo", "impasse des Roses",
              "allée des Lilas", "chemin des Vignes", "boulevard Voltaire", "place de la Mairie",
              "rue du Général de Gaulle", "route de Lyon", "quai des Brumes", "rue Pasteur",
              "résidence les Tilleuls", "square Montaigne", "rue des Écoles", "avenue de la Gare"]
FR_TOWNS = ["75002 Paris", "69007 Lyon", "13005 Marseille", "31000 Toulouse", "44000 Nantes",
            "59800 Lille", "33000 Bordeaux", "35000 Rennes", "67000 Strasbourg", "21000 Dijon"]
EN_STREETS = ["Baker Street", "Station Road", "Church Lane", "Park Avenue", "Mill Close",
              "Victoria Road", "Queens Drive", "Elm Grove", "Market Street", "Oak Crescent"]
EN_TOWNS = ["London NW1 6XE", "Leeds LS1 4AP", "Bristol BS1 5TR", "Manchester M4 2AF", ""]
PROVIDERS = ["gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "yahoo.fr",
             "outlook.com", "sfr.fr", "wanadoo.fr", "icloud.com", "hotmail.co.uk", "btinternet.com"]


def _digits(rng: random.Random, n: int) -> list[str]:
    return [f"{rng.randrange(100):02d}" for _ in range(n)]


def make_phone(lang: str, rng: random.Random) -> str:
    if lang == "en":
        a, b, c = rng.randrange(200, 999), rng.randrange(100, 999), rng.randrange(1000, 9999)
        return rng.choice([
            f"+44 7700 {rng.randrange(900000, 999999)}", f"07700 {rng.randrange(900000, 999999)}",
            f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}",
            f"+44 20 7946 {rng.randrange(1000, 9999)}", f"+33 6 {' '.join(_digits(rng, 4))}",
        ])
    prefix = rng.choice(["06", "07", "01", "02", "03", "04", "05", "09", "06", "07"])
    d = _digits(rng, 4)
    kind = rng.randrange(20)
    if kind < 6:
        return f"{prefix} {' '.join(d)}"
    if kind < 9:
        return f"{prefix}.{'.'.join(d)}"
    if kind < 11:
        return prefix + "".join(d)
    if kind < 12:
        return f"{prefix}-{'-'.join(d)}"
    if kind < 15:
        return f"+33 {prefix[1]} {' '.join(d)}"
    if kind < 16:
        return f"+33{prefix[1]}{''.join(d)}"
    if kind < 17:
        return f"+33 (0){prefix[1]} {' '.join(d)}"
    if kind < 18:
        return f"0033 {prefix[1]} {' '.join(d)}"
    if kind < 19:
        return f"{prefix}{d[0]}{d[1][0]} {d[1][1]}{d[2]}{d[3]}"  # odd grouping
    return f"O{prefix[1]} {' '.join(d)}"  # letter O instead of zero: hard case


def make_email(lang: str, rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    user = rng.choice([f"{first}.{last}", f"{first}{last}{rng.randrange(10, 99)}", f"{first[0]}{last}",
                       f"{first}_{last}", f"{last}.{first}{rng.randrange(1960, 2005)}"])
    domain = rng.choice(PROVIDERS)
    kind = rng.randrange(12)
    if kind < 9:
        return f"{user}@{domain}"
    if kind == 9:
        name, tld = domain.rsplit(".", 1)
        return f"{user} at {name} dot {tld}"
    if kind == 10:
        return f"{user}[at]{domain}"
    return f"{user} (arobase) {domain}"  # hard case


def make_address(lang: str, rng: random.Random) -> str:
    number = rng.randrange(1, 180)
    if lang == "en":
        street, town = rng.choice(EN_STREETS), rng.choice(EN_TOWNS)
        flat = rng.choice(["", "", f"Flat {rng.randrange(1, 30)}, "])
        return f"{flat}{number} {street}{', ' + town if town else ''}"
    street = rng.choice(FR_STREETS)
    suffix = rng.choice(["", "", "", " bis", " ter"])
    town = rng.choice(["", f", {rng.choice(FR_TOWNS)}", f" {rng.choice(FR_TOWNS)}"])
    extra = rng.choice(["", "", f", bât. {rng.choice('ABCD')} apt {rng.randrange(1, 60)}"])
    return f"{number}{suffix} {street}{extra}{town}"


def make_iban(lang: str, rng: random.Random) -> str:
    groups = [f"{rng.randrange(10000):04d}" for _ in range(5)]
    return f"FR76 {' '.join(groups)} {rng.randrange(100, 999)}"


# ---------------------------------------------------------------------------------------------
# French bases (one per line). {lieu} is filled with a place; {tel} {mail} {adresse} {iban} with
# contact data (which makes the row personal_data).
# ---------------------------------------------------------------------------------------------
FR = {}
FR["question"] = """
À quelle heure ouvre la mairie le samedi matin ?
Est-ce que la déchetterie est ouverte le lundi de Pâques ?
Comment on fait pour refaire une carte d'identité quand on a perdu l'ancienne ?
Bonjour, les inscriptions à la cantine pour la rentrée c'est jusqu'à quand ?
Il faut prendre rendez-vous pour un passeport ou on peut venir directement ?
Quels sont les horaires de la piscine pendant les vacances scolaires ?
Le marché de Noël aura lieu à quelles dates cette année ?
Est-ce que le ramassage des encombrants passe toujours le premier mardi du mois ?
Où peut-on récupérer les sacs jaunes pour le tri ?
La bibliothèque est-elle accessible aux personnes en fauteuil roulant ?
Peut-on payer la cantine par prélèvement automatique ?
Qui dois-je contacter pour un problème d'éclairage public {lieu} ?
Combien coûte la location de la salle des fêtes pour un mariage ?
Est-ce que le centre de loisirs accueille les enfants de 3 ans ?
Y a-t-il un service de transport à la demande pour les personnes âgées ?
Quand est prévu le prochain conseil municipal ?
Le compte rendu du dernier conseil est-il en ligne quelque part ?
Est-ce que je peux faire ma demande de permis de construire en ligne ?
Quels documents faut-il pour une inscription sur les listes électorales ?
Les travaux {lieu} vont durer combien de temps ?
La collecte des sapins après Noël, c'est où et quand ?
Est-il possible d'obtenir une place en crèche en cours d'année ?
Comment signaler un nid-de-poule ? Il y a une appli ?
Est-ce que les chiens sont autorisés dans le parc municipal ?
À qui s'adresser pour une demande de logement social ?
Le vide-grenier du quartier est-il maintenu malgré la météo ?
On peut avoir les horaires du bus 12 le dimanche ?
Est-ce que la mairie annexe délivre aussi les actes de naissance ?
Quelle est la procédure pour ouvrir une terrasse de café ?
Y aura-t-il un feu d'artifice le 14 juillet cette année ?
Les ateliers numériques pour seniors reprennent quand ?
Bonjour, faut-il une autorisation pour repeindre ma façade ?
Comment obtenir un badge pour le parking résidentiel ?
La cantine propose-t-elle un menu sans porc ?
Est-ce que le forum des associations est toujours prévu en septembre ?
Je viens d'emménager, comment je m'inscris pour le ramassage des déchets verts ?
Combien de temps faut-il pour recevoir un passeport en ce moment ?
Où se trouve le bureau de vote pour les habitants du quartier des Tilleuls ?
Le périscolaire du mercredi est-il payant ?
Est-ce que le city stade est éclairé le soir ?
Qui est l'élu chargé de la voirie ?
Peut-on brûler ses déchets verts dans le jardin ?
C'est quoi les règles pour tondre le dimanche ?
Est-ce que la mairie recrute des animateurs pour l'été ?
Comment déclarer un meublé de tourisme ?
La navette pour le marché fonctionne-t-elle encore ?
Il y a des composteurs gratuits à récupérer ?
Est-ce que les bornes de recharge {lieu} sont gratuites ?
Pourquoi la rue Pasteur est-elle passée en sens unique ?
Les cours de français pour adultes sont-ils ouverts à tous ?
Quelles aides existent pour isoler ma maison ?
Je cherche le formulaire de demande de subvention pour notre association, vous l'avez ?
Est-ce que la fibre arrive bientôt dans notre hameau ?
Est-ce qu'on peut se marier un dimanche à la mairie ?
Vous savez si la fête de la musique aura lieu {lieu} ?
Y a-t-il une permanence juridique gratuite ?
Le colis des aînés est distribué quand ?
Comment faire pour occuper le domaine public pour un déménagement ?
Est-ce que la salle de sport municipale est ouverte aux non-résidents ?
Où en est le projet de piste cyclable {lieu} ?
"""
FR["request"] = """
Je souhaiterais obtenir une copie intégrale de mon acte de naissance.
Merci de bien vouloir m'envoyer le formulaire d'inscription au centre aéré.
Pourriez-vous installer un banc {lieu} ? Les personnes âgées n'ont nulle part où s'asseoir.
Je demande un rendez-vous avec l'adjoint à l'urbanisme au sujet de mon dossier.
Serait-il possible d'ajouter une poubelle {lieu} ?
Je voudrais réserver le gymnase pour un tournoi de l'association le 12 mars.
Merci de me confirmer la réception de mon dossier de demande de logement.
Nous demandons un ralentisseur {lieu}, les voitures roulent beaucoup trop vite.
Pouvez-vous me rappeler concernant ma demande de place en crèche ?
Je souhaite m'inscrire au repas des aînés du mois prochain.
Est-ce que vous pourriez élaguer l'arbre qui touche nos fenêtres ?
Merci de transmettre ma demande au service des espaces verts.
J'aimerais proposer un atelier de couture bénévole à la maison de quartier.
Je sollicite une autorisation d'occupation du trottoir pour un échafaudage la semaine prochaine.
Pouvez-vous remplacer le panneau stop qui a été arraché {lieu} ?
Nous aimerions organiser une fête des voisins, faut-il déclarer quelque chose ?
Merci d'ajouter mon fils sur la liste d'attente du conservatoire.
Je voudrais signaler un changement d'adresse pour la facturation de la cantine.
Pourriez-vous passer nettoyer les tags sur le mur de l'école ?
Je demande le remboursement de la cantine pour les jours de grève.
Serait-il possible d'avoir le plan du futur écoquartier ?
J'aimerais recevoir la newsletter de la ville par mail.
Pouvez-vous m'indiquer la marche à suivre pour contester une facture d'eau ?
Je souhaite prendre rendez-vous pour déposer ma demande de carte grise.
Merci de prévoir une rampe d'accès à la salle polyvalente pour les fauteuils.
Nous sollicitons une subvention pour le club de foot des jeunes.
Je voudrais un duplicata de ma facture de périscolaire.
Pouvez-vous rajouter des horaires de bus le soir ? Les jeunes rentrent à pied tard.
Merci de faire passer la balayeuse {lieu}, il y a des feuilles partout.
Je souhaite louer une parcelle dans les jardins partagés.
Pourriez-vous prolonger les horaires de la bibliothèque le samedi ?
J'ai besoin d'une attestation de domicile pour mon dossier de retraite.
On aimerait une boîte à livres dans le quartier, c'est possible ?
Merci de me recontacter pour fixer une date de visite du logement.
Je voudrais inscrire ma fille au permis piéton organisé par la police municipale.
Je vous demande de bien vouloir retirer la voiture ventouse garée {lieu} depuis deux mois.
Pouvez-vous envoyer quelqu'un pour vérifier le lampadaire qui clignote {lieu} ?
Nous souhaitons rencontrer le maire au sujet de la fermeture de la classe.
Pourriez-vous publier les menus de la cantine plus tôt dans la semaine ?
Je souhaite devenir bénévole pour la banque alimentaire municipale.
Merci de m'envoyer un devis pour la location de barrières pour notre brocante.
Est-ce que vous pouvez mettre à jour mes coordonnées dans votre fichier ?
J'aimerais qu'on installe un distributeur de sacs pour crottes de chien {lieu}.
Je demande l'accès au dossier de mon permis de construire.
Pourriez-vous transmettre mes remerciements et ma demande de rendez-vous à Madame la Maire ?
"""
FR["complaint"] = """
Ça fait trois semaines que les poubelles ne sont pas ramassées dans notre rue.
Les trottoirs {lieu} sont impraticables avec une poussette, c'est une honte.
Encore une fois le bus 7 n'est pas passé ce matin, ma fille est arrivée en retard.
Le lampadaire devant chez moi est en panne depuis un mois et personne ne bouge.
Les travaux {lieu} font un bruit infernal dès 6h du matin.
Je suis très déçue par l'accueil à la mairie, on m'a renvoyée trois fois.
Les crottes de chien partout {lieu}, c'est dégoûtant.
Impossible de joindre le service urbanisme, ça sonne dans le vide depuis des jours.
Le parc est fermé sans explication depuis deux semaines.
Les voitures se garent sur les passages piétons {lieu} et la police municipale ne fait rien.
La cantine a encore servi un repas froid à mon fils, c'est inadmissible.
Les horaires de la déchetterie ont changé sans aucune information.
Le site internet de la mairie ne marche jamais, je n'arrive pas à payer la facture.
Les jeux pour enfants {lieu} sont cassés depuis l'été dernier.
On attend toujours la réponse à notre courrier envoyé il y a deux mois.
La piste cyclable s'arrête en plein milieu de nulle part, c'est dangereux et absurde.
Les tarifs de la piscine ont encore augmenté, c'est trop cher pour les familles.
Ma demande de place en crèche est refusée pour la troisième fois sans explication.
Il y a des dépôts sauvages {lieu} depuis des semaines.
Le chantier bloque l'accès à mon garage sans que personne ne m'ait prévenu.
Les fêtes sur la place jusqu'à 2h du matin, on n'en peut plus.
Les toilettes publiques sont toujours fermées, pas pratique avec des enfants.
Très mécontent de la nouvelle organisation du marché, on ne trouve plus rien.
Le stationnement payant le samedi va tuer les commerces du centre-ville.
Personne n'a répondu à mes trois mails, je commence à perdre patience.
Les nids-de-poule {lieu} abîment les voitures, quand allez-vous reboucher ?
La fermeture de la poste du quartier est une catastrophe pour les personnes âgées.
Le centre aéré a perdu le doudou de mon fils et personne ne s'excuse.
J'ai reçu une facture d'eau deux fois plus élevée que d'habitude, c'est une erreur.
Le bruit du bar d'à côté m'empêche de dormir tous les week-ends.
Les bancs ont été enlevés {lieu}, les anciens n'ont plus où se poser.
Le nouveau plan de circulation crée des bouchons énormes le matin.
C'est la troisième fois que ma voiture est verbalisée alors que j'ai un macaron résident.
Les espaces verts du lotissement ne sont plus entretenus, l'herbe arrive aux genoux.
Le car scolaire est toujours bondé, les enfants voyagent debout.
Je regrette que la fête du village ait été annulée sans concertation.
L'éclairage {lieu} reste allumé toute la journée, quel gaspillage.
Pas de réponse de l'assistante sociale depuis un mois, on est laissés tomber.
Les inscriptions en ligne au centre de loisirs ont planté, plus de places.
La rue n'a pas été déneigée, impossible de sortir la voiture.
Les ralentisseurs sont beaucoup trop hauts, ma voiture touche à chaque fois.
Vous avez coupé les arbres du square, c'était le seul coin d'ombre.
Le cimetière est mal entretenu, les allées sont pleines de mauvaises herbes.
On nous avait promis un passage piéton {lieu} il y a un an, toujours rien.
Le guichet ferme à 16h, impossible d'y aller quand on travaille.
Les agents d'accueil de la piscine ont été désagréables avec ma mère.
Le réseau de bus le dimanche est ridicule, un bus toutes les heures.
Ma rue est devenue un parking pour les clients du supermarché.
Le chauffage de l'école est trop faible, les enfants gardent leur manteau en classe.
Les frais de cantine ont été prélevés deux fois ce mois-ci.
Je suis contre la suppression des places de parking {lieu}.
La fibre devait arriver en juin, on est en novembre et toujours rien.
Encore une coupure de courant ce matin, c'est la troisième cette semaine.
Les feux {lieu} sont mal réglés, on attend cinq minutes au rouge.
L'aire de jeux est envahie de seringues et de bouteilles, aucun nettoyage.
Je trouve scandaleux qu'on augmente les impôts locaux sans améliorer les services.
La salle de sport est sale, les vestiaires sentent mauvais.
Les agents municipaux ont laissé les gravats devant mon portail.
Les rats se multiplient près des containers, personne ne fait rien.
Mon dossier de permis de construire est bloqué depuis six mois.
La nouvelle appli pour signaler les problèmes ne fonctionne pas.
Les panneaux électoraux n'ont pas été enlevés depuis des mois.
On a l'impression que notre quartier est oublié par la mairie.
La ligne de bus supprimée oblige mon père à marcher deux kilomètres.
Les motos font du rodéo tous les soirs {lieu}, c'est insupportable.
"""
FR["high"] = """
Plus d'eau chaude ni de chauffage depuis trois jours à la résidence pour personnes âgées, il fait 12 degrés dans les chambres.
L'ascenseur de la tour B est en panne et ma mère en fauteuil est bloquée au 7e étage depuis hier.
Je dois déposer mon dossier de bourse aujourd'hui avant 17h et votre site est en panne, que dois-je faire ?
Les égouts débordent dans notre cour depuis ce matin, ça rentre presque dans la cave.
Mon fils diabétique n'a pas eu son repas adapté à la cantine aujourd'hui, il a fait une hypo.
Personne n'est venu chercher les enfants à l'arrêt du car scolaire ce soir, ils attendent encore.
La cantine a fermé sans prévenir ce midi et les enfants n'ont rien mangé.
Coupure d'eau dans tout le quartier depuis ce matin et aucune information, on a des bébés.
L'expulsion de ma voisine âgée est prévue demain matin, elle ne sait pas où aller.
Dernier jour pour l'inscription à l'examen et le guichet est fermé, aidez-moi s'il vous plaît.
Le chauffage de la crèche est en panne, les bébés ont froid depuis ce matin.
Ma mère de 90 ans n'a plus d'aide à domicile depuis lundi, elle ne peut pas se lever seule.
Un arbre est tombé en travers de la route {lieu}, personne ne peut passer.
La porte de l'école ne ferme plus, les enfants peuvent sortir sur la route.
Le car n'est pas venu ce matin et 30 élèves sont restés sur le bord de la route.
On nous coupe l'électricité demain alors que mon mari est sous assistance respiratoire à la maison.
Le portail de la déchetterie est resté ouvert et des sacs s'envolent sur l'autoroute.
Les toilettes de l'école sont bouchées depuis deux jours, les enfants se retiennent toute la journée.
Le relais d'assistantes maternelles ferme demain et je n'ai aucune solution de garde pour lundi.
Réunion publique ce soir et la salle annoncée est fermée à clé, 80 personnes attendent dehors.
Mon RDV passeport est annulé alors que je pars demain pour un enterrement à l'étranger.
Le feu tricolore {lieu} est complètement éteint depuis ce matin, c'est le chaos aux heures de pointe.
Une plaque d'égout a été enlevée {lieu}, il y a un trou béant sur le trottoir.
Des chiens errants rôdent autour de l'école maternelle depuis ce matin.
Il n'y a plus d'eau potable au robinet depuis hier soir, l'eau est marron.
Le dossier doit être déposé avant minuit ce soir et personne ne répond au téléphone.
La navette pour les personnes handicapées n'est pas venue, mon frère est bloqué chez lui sans pouvoir aller à sa dialyse.
Le toit de la salle de classe fuit sur les tables, les élèves ont cours sous la pluie.
Les feux de signalisation {lieu} sont en panne et les enfants traversent pour aller à l'école.
Mon compteur a été coupé par erreur, je n'ai plus d'électricité avec un nourrisson.
Un câble téléphonique pend au milieu de la route {lieu}, les camions l'accrochent.
Le centre de vaccination a annulé tous les rendez-vous de demain sans proposer d'autre date.
Les résidents de l'EHPAD n'ont pas reçu leur repas ce midi.
Urgent : le marché de ce matin est installé sur la voie des pompiers.
Le dernier délai pour payer la cantine est aujourd'hui et le paiement en ligne refuse ma carte.
L'éclairage du passage souterrain est coupé depuis hier, les gens ont peur de passer le soir.
La rampe d'accès de la mairie est bloquée par des travaux, je ne peux pas entrer avec mon fauteuil.
La chaudière collective est en panne depuis lundi, il fait 10 degrés chez nous.
Le ramassage scolaire a oublié mon fils handicapé ce matin, il est resté seul devant la maison.
Les eaux usées remontent dans la douche depuis ce matin, l'appartement est invivable.
"""
FR["press"] = """
Journaliste au Parisien, je souhaiterais une réaction du maire sur la fermeture de la piscine avant 18h.
Bonjour, France 3 Régions, pouvons-nous avoir une interview de l'adjoint à la sécurité cet après-midi ?
En tant que conseillère municipale d'opposition, je demande la communication du budget annexe avant la séance de ce soir.
Rédaction de Ouest-France : confirmez-vous la fermeture de la classe de CP ? Nous bouclons à 16h.
Le député de la circonscription souhaite joindre Madame la Maire en urgence au sujet de l'usine.
Je suis journaliste indépendant, j'aimerais un commentaire officiel sur les inondations de la semaine dernière.
Bonjour, radio locale ici, le maire peut-il intervenir en direct demain matin à 8h ?
Conseiller départemental, j'ai besoin des chiffres de fréquentation du collège pour la commission de ce midi.
Le sénateur demande un rendez-vous cette semaine concernant le projet de contournement.
Nous préparons un reportage sur les déserts médicaux, la mairie peut-elle nous répondre aujourd'hui ?
BFM ici : pouvez-vous confirmer le nombre de personnes évacuées ce matin ?
Le cabinet du préfet attend votre retour sur l'arrêté avant 15h.
Je suis élu de la commune voisine, il faut qu'on se parle aujourd'hui du partage de la déchetterie.
Journaliste à Libération, une question sur le marché public attribué en mars, vous pouvez me répondre ce soir ?
"""
FR["praise"] = """
Merci beaucoup aux agents des espaces verts, le parc est magnifique cette année !
Bravo pour l'organisation du marché de Noël, c'était féerique.
Un grand merci à l'accueil de la mairie, très gentils et efficaces.
Super initiative les ateliers pour les seniors, ma mère adore.
Merci à la police municipale pour sa réactivité hier soir.
La nouvelle médiathèque est superbe, bravo à toute l'équipe.
Félicitations pour la rénovation de la place, c'est beaucoup plus agréable.
Merci pour la réponse rapide, tout est réglé.
Trop bien la fête de la musique cette année, on s'est régalés !
Je tiens à remercier l'agent qui a retrouvé mon portefeuille, quelle honnêteté.
Bravo aux équipes qui ont déneigé les routes si vite ce matin.
Enfin une piste cyclable digne de ce nom, merci !
Les nouveaux jeux pour enfants sont top, mes filles sont ravies.
Merci pour le spectacle de fin d'année, les enfants étaient aux anges.
Quelle belle journée pour le forum des associations, bravo aux bénévoles.
Service impeccable à l'état civil, dossier traité en 10 minutes.
Merci au maire d'être venu à la rencontre des habitants du quartier.
Le concert au parc était génial, vivement l'année prochaine !
Je voulais juste dire merci aux éboueurs qui passent même sous la pluie.
La cantine s'est vraiment améliorée, mon fils mange enfin avec plaisir.
Une super soirée cinéma en plein air, merci pour cette belle idée.
Merci à l'équipe de la piscine pour les cours de natation, ma fille sait nager !
Bravo pour les illuminations, la ville est magnifique.
Merci pour votre aide dans mon dossier de logement, je peux enfin déménager.
Très bonne idée les composteurs partagés, ça marche super bien chez nous.
Très satisfait du nouveau bus, ponctuel et confortable.
Un grand bravo aux pompiers volontaires pour leur journée portes ouvertes, les enfants ont adoré.
Je suis fière de ma ville quand je vois ce genre d'initiatives.
Merci pour les fleurs sur les ronds-points, c'est très joli.
Le personnel du CCAS a été d'une grande humanité avec nous, merci infiniment.
Quelle rapidité, le lampadaire a été réparé le lendemain de mon signalement, chapeau.
Magnifique exposition à la salle des fêtes, merci aux artistes.
Vous faites un travail formidable, on l'oublie trop souvent.
Merci pour la navette gratuite vers le marché, c'est très pratique.
Les animateurs du centre de loisirs sont extra, mon fils veut y retourner tous les jours.
Bravo pour la transparence sur le budget, c'est rare et appréciable.
J'adore le nouveau site de la mairie, tout est clair et rapide.
Enfin des toilettes publiques propres au parc, merci !
Merci au service de la voirie, la rue est comme neuve.
Félicitations aux jeunes du conseil municipal des enfants pour leur projet.
Génial le repas des aînés, mes grands-parents ont passé une excellente journée.
Merci d'avoir pensé aux familles avec le tarif réduit à la piscine.
La balade nature organisée dimanche était passionnante, merci au guide.
C'est top d'avoir des réponses le week-end sur cette page, merci.
Bravo pour le nouveau marché bio du jeudi, produits excellents.
Remerciements chaleureux aux agents qui ont aidé mon père après sa chute dans la rue.
Ravie de l'accueil au guichet unique, enfin un service simple.
La ville est de plus en plus propre, merci à tous.
Merci pour le prêt de matériel pour notre fête de quartier, tout s'est bien passé.
Excellent travail sur le nouveau skatepark, les ados sont ravis.
Merci à la bibliothécaire pour ses conseils de lecture, mon fils dévore les livres maintenant.
Quel plaisir de voir le centre-ville piéton le dimanche !
Un immense merci à l'équipe du CCAS qui a trouvé une solution pour ma mère en une semaine.
Le nouveau parcours sportif au bord du lac est une réussite.
Super accueil au service des cartes d'identité, rapide et souriant.
J'ai été très bien reçue par l'assistante sociale, merci pour votre écoute.
Chapeau bas aux agents qui ont nettoyé après le festival, tout était propre à 8h.
La rénovation du gymnase est réussie, les enfants adorent.
Merci pour la patience de l'agent au téléphone, il m'a tout expliqué.
Les nouveaux horaires de la médiathèque sont parfaits pour les familles.
Je suis agréablement surprise par la rapidité de votre réponse, merci.
Quelle chouette idée ce marché des créateurs, on reviendra.
Franchement bravo pour le parc, c'est devenu un vrai lieu de vie.
Merci à l'animatrice du relais petite enfance, elle est formidable.
Les agents de la voirie ont été très sympas et ont réparé le trottoir en une matinée.
Très belle cérémonie du 11 novembre, émouvante et bien organisée.
Content de voir enfin des pistes cyclables sécurisées jusqu'au lycée.
Merci pour l'installation du défibrillateur à la salle des sports, c'est rassurant.
Vous avez été d'une grande aide pour mon dossier de retraite, mille mercis.
Excellente initiative les cafés-rencontres pour les nouveaux habitants.
Les enfants ont adoré la chasse aux œufs, merci aux organisateurs.
Belle réussite le vide-grenier, ambiance au top.
Bravo et merci au policier municipal qui a fait traverser les enfants sous la pluie.
Le portail famille fonctionne super bien, inscription faite en deux minutes.
"""
FR["reaction"] = """
👍
Ok merci
[pos] Top 👌
Vu
😂😂😂
Partagé
@Julie regarde ça
On verra bien
Intéressant
Ah d'accord
Haha
Je viendrai peut-être
[pos] J'aime beaucoup 😍
C'est noté
Pourquoi pas
Ah bon ?
@Karim on y va ?
Déjà vu
Hmm
Ok
Lol
Toujours pareil
Idem
Je partage
Bon à savoir
[pos] Génial !
😮
Ça dépend
Noté, merci
Sans avis
"""
FR["positive_ask"] = """
Super initiative ! C'est ouvert aux enfants de quel âge ?
Le concert était génial, est-ce qu'il y aura une autre date cet été ?
Bravo pour les jardins partagés, comment on fait pour avoir une parcelle ?
J'adore le nouveau marché, il y aura aussi des producteurs le samedi ?
Merci pour l'atelier vélo, il est possible de réserver pour la prochaine session ?
Très belle expo ! Elle reste jusqu'à quand ?
Génial la navette gratuite, elle passe aussi par les Tilleuls ?
Belle rénovation de l'école, on pourra visiter les nouveaux locaux ?
Merci pour les cours de yoga au parc, il faut s'inscrire ou on vient directement ?
Ravi de voir la fibre arriver, on sait quand ce sera au tour de notre rue ?
Très bonne idée le troc de plantes, ce sera refait au printemps ?
Félicitations pour le festival, vous cherchez des bénévoles pour l'an prochain ?
Merci pour la réactivité ! Est-ce que je dois quand même envoyer le justificatif ?
Superbe feu d'artifice hier, vous avez les photos quelque part ?
Le nouveau parc est magnifique, les chiens y sont acceptés en laisse ?
Bravo aux bibliothécaires, vous faites aussi des lectures pour les tout-petits ?
Top la piscine rénovée ! Les horaires de nage libre ont changé ?
Merci pour ce beau projet, comment on peut y participer ?
Super le nouveau portail famille ! On peut aussi y payer le centre aéré ?
Bravo pour les travaux du stade, il sera ouvert au public le week-end ?
Génial le festival de cet été, la programmation sort quand ?
Merci pour le défibrillateur au gymnase, une formation est prévue pour les habitants ?
Très contente du nouveau marché, il y aura un stand de fromages ?
"""
FR["sarcasm"] = """
Bravo la mairie, encore une route défoncée, quel talent 👏
Génial, un rond-point de plus, c'est exactement ce dont on avait besoin…
Merci pour les travaux pendant les vacances, on adore les bouchons.
Super la nouvelle appli, elle plante à chaque fois, vraiment du grand art.
Ah oui, la piste cyclable qui finit dans un mur, quelle belle idée.
Trois mois pour répondre à un mail, félicitations pour l'efficacité.
Quelle surprise, encore une hausse des impôts, on ne s'y attendait pas du tout.
Magnifique le parking payant, les commerçants vous remercient sûrement.
Oh, le lampadaire est réparé ! Ah non, c'était un rêve.
Heureusement qu'on a un nouveau logo, ça va tout changer pour les poubelles.
Bravo pour la fête annulée, c'est sûr que ça va dynamiser le village.
C'est beau la démocratie participative : on nous consulte après avoir décidé.
Encore un comité de réflexion, ça va sûrement reboucher les trous.
Ça fait plaisir de payer la cantine pour des repas froids, merci vraiment.
Ah la belle fontaine à 200 000 euros pendant que l'école tombe en ruine.
Quel bonheur de se lever à 6h avec le marteau-piqueur, merci la voirie.
Très réussie la réunion publique où personne ne répondait aux questions.
On attend avec impatience le prochain selfie du maire devant un nid-de-poule.
Le bus est passé à l'heure aujourd'hui, il faut le fêter, c'est historique.
Merci d'avoir fermé la poste, les anciens adorent faire 10 km pour un timbre.
Bel effort sur la propreté, les rats apprécient beaucoup.
Un sens unique de plus, on va finir par faire le tour de la ville pour rentrer chez soi.
Ah, une nouvelle consultation en ligne, j'ai hâte qu'on ignore encore nos avis.
Quelle efficacité, mon dossier a été perdu seulement deux fois cette année.
Bravo pour la communication, on apprend les travaux en trouvant la rue barrée.
Génial ce nouveau sens de circulation, j'ai mis 40 minutes pour faire 3 km.
Encore des fleurs sur les ronds-points, c'est sûr que ça remplace les médecins.
Merci pour le beau trou devant chez moi, on va bientôt y élever des canards.
Formidable la nouvelle grille tarifaire, plus on gagne peu plus on paie.
Ils ont enfin réparé le banc. Dommage que ce soit celui que personne n'utilise.
"""
FR["insult"] = """
Bande de connards, vous ne foutez rien de la journée.
Le maire est un abruti fini, qu'il dégage.
Allez vous faire foutre avec vos parkings payants.
Espèce de crétins, vous êtes incapables de boucher un trou.
Cette conseillère est une vraie salope, elle ment à tout le monde.
Vous êtes des bouffons, toute l'équipe municipale.
Ferme ta gueule le community manager, personne ne t'a sonné.
Bande d'incapables et de parasites payés avec nos impôts.
Le maire c'est un gros con, point.
Les agents de la déchetterie sont des débiles profonds.
T'es qu'une grosse merde derrière ton écran.
Va te faire enculer avec ta réforme des cantines.
Enfoirés de fonctionnaires, vous nous volez.
L'adjoint à la voirie est un clown, il devrait retourner à l'école.
Quelle bande de guignols à la mairie, des vrais débiles.
Sale menteuse, tu n'as jamais tenu une seule promesse.
Ta gueule, on t'a rien demandé.
Nique la mairie et tous ceux qui y bossent.
Tocard de maire, retourne dans ton château.
Vous êtes des ordures, vous avez laissé mourir le quartier.
Bâtard de policier municipal, il m'a mis une amende pour rien.
Les élus sont tous des pourris et des voleurs, des raclures.
Bouffon va, t'as même pas le courage de répondre.
Votre secrétaire est une conne finie, elle m'a raccroché au nez.
Pauvre imbécile qui gère cette page, tu supprimes tous les commentaires.
Fils de pute le mec qui a décidé de fermer la piscine.
Vous n'êtes qu'une bande de cafards qui se cachent derrière leurs bureaux.
Ce maire est un attardé mental.
Gros tas de merde, vous avez encore augmenté les impôts.
La directrice de l'école c'est une grosse vache incompétente.
Tous des enculés à la mairie.
Pauvre type, t'es même pas capable de gérer une page Facebook.
Débile mental celui qui a dessiné ce rond-point.
Que des glandeurs grassement payés, bande de feignasses.
Le chef de service est un connard arrogant, j'espère qu'il sera viré.
Elle est moche et bête la nouvelle adjointe, comme ses idées.
Va chier, toi et ta mairie de merde.
Bande de clowns incompétents, démissionnez tous.
Ntm la police municipale.
Cette élue c'est une pute à fric.
Espèce de gros porc, arrête de nous prendre pour des cons.
Le maire est un pantin débile qui ne sait même pas lire un budget.
L'agent d'accueil est un abruti, il m'a parlé comme à un chien.
J'emmerde la mairie et ses employés de merde.
Crétin de conseiller, va te cacher.
"""
FR["hate"] = """
Encore des logements pour les migrants, renvoyez-les tous chez eux ces parasites.
Les Arabes du quartier ne sont que des voleurs, faut les dégager.
Cette ville est envahie par les étrangers, c'est de la vermine.
Les Roms sont des voleurs de poules, ne les laissez pas s'installer.
Rentrez chez vous, on ne veut pas de vous ici.
Les juifs contrôlent la mairie comme partout.
Sale négresse, c'est toi qui devrais dégager.
Ces pédés qui font leur gay pride dans notre ville, c'est dégueulasse.
Les musulmans ne sont pas des vrais Français, interdisez leur mosquée.
On devrait stériliser les cas sociaux du quartier Nord.
Les noirs font baisser le niveau de l'école, voilà la vérité.
Une maire femme, forcément ça ne sait pas gérer.
Ces bougnoules ont encore tout cassé.
Les gens du voyage sont tous des délinquants, fermez l'aire d'accueil.
Les handicapés coûtent trop cher, arrêtez de les financer.
Les Chinetoques du marché vendent de la merde.
Retourne dans ton pays, macaque.
La pride en centre-ville ? Ces dégénérés n'ont rien à faire ici.
Les migrants sont des rats, il faut les chasser.
Les vieux devraient crever au lieu de coûter des fortunes en EHPAD.
Ces sauvages du quartier des Tilleuls, on devrait tous les enfermer.
Les Africains ne savent pas vivre en société, c'est génétique.
"""
FR["threat"] = """
Je vais vous buter un par un à la mairie.
Si la piscine ferme je viens avec un fusil, vous êtes prévenus.
On va mettre le feu à la mairie ce soir.
Je sais où tu habites, le maire, fais gaffe à tes enfants.
Vous allez le payer très cher, je vais venir vous chercher.
Une bombe va exploser pendant le conseil municipal.
Je vais défoncer la gueule de l'agent qui m'a verbalisé.
[toxic] Le prochain qui touche à mon jardin, je le crève, bande de connards.
On va débarquer à plusieurs au conseil et ça va saigner.
Je vais brûler la voiture de l'adjoint, il l'aura cherché.
Demain je fais sauter la préfecture.
Si vous expulsez ma mère je vous tue tous.
Le maire mérite une balle dans la tête.
Ça va mal finir pour vous, je vais tout casser à l'accueil.
Je vais attendre la directrice à la sortie de l'école et elle va comprendre.
On connaît ta voiture et ton adresse, t'es mort.
Je vais égorger ce flic municipal.
Vous êtes tous morts si la fête est annulée.
Je vais venir armé à la réunion publique.
On va cramer vos bureaux comme en 2005.
Attention, la prochaine fois ce sera pas des mots mais des coups.
Je vais lui faire la peau, à ce conseiller.
Je vais planter le premier agent qui s'approche de chez moi.
Ce soir on vient casser la mairie annexe, préparez-vous.
[toxic] Fais gaffe à toi sale bâtard, on va te retrouver.
Je vais poser des explosifs sous le pont de la rocade.
Si ma fille n'a pas sa place en crèche, je vais faire un malheur à la mairie.
Le maire va finir pendu à un lampadaire, on s'en occupe.
Attentat prévu au marché de Noël, vous êtes prévenus.
Je vais descendre le prochain agent qui sonne chez moi.
Je reviens demain avec une batte et je vous défonce tous.
Votre école va brûler, on a déjà tout prévu.
"""
FR["spam"] = """
Gagnez 5000€ par semaine depuis chez vous avec le trading crypto !
Félicitations, vous avez été sélectionné pour gagner un iPhone 15, cliquez ici bit.ly/gagnant-iph
J'ai transformé 200€ en 8000€ grâce à Madame Claire, contactez-la sur WhatsApp {tel}
Votre colis est en attente, payez les frais de livraison ici : cutt.ly/colis-fr
Investissez seulement 250€ et recevez 3000€ en 7 jours, 100% garanti !
Revenus passifs assurés avec le bitcoin, lien en bio 🚀
Votre compte CPF expire bientôt, utilisez vos 1500€ avant la fin du mois : formation-cpf-droits.info
Rencontres coquines près de chez vous, inscription gratuite.
Abonne-toi à ma page et gagne des abonnés en 24h !!!
Votre amende est majorée, réglez-la immédiatement sur antai-paiement-secure.com
Je recrute 10 personnes motivées pour travailler depuis chez vous, 300€/jour, DM moi.
Casino en ligne : 200 tours gratuits offerts à l'inscription 🎰
Remboursement Ameli en attente : confirmez vos coordonnées bancaires sur ameli-rembourse.net
Vous avez gagné une carte cadeau de 500€ Carrefour, cliquez sur le lien pour la récupérer.
Envie de doubler votre argent ? Notre robot de trading fait tout pour vous.
Formation offerte pour devenir riche avec le dropshipping, places limitées !
Achetez des followers et des likes pas chers, livraison immédiate.
Votre compte bancaire a été suspendu, vérifiez vos informations ici tinyurl.com/banque-verif
Prêt entre particuliers sans frais, taux 2%, réponse en 24h, écrivez-moi en privé.
Je suis une jeune femme seule qui cherche un homme sérieux, écris-moi sur Telegram.
Le meilleur VPN à -90% seulement aujourd'hui, profitez-en vite !
Crypto : le nouveau token qui va faire x100, ne ratez pas le train 🚀🚀
Viagra pas cher sans ordonnance, livraison discrète.
Paris sportifs : mes pronostics gagnants à 95%, rejoins mon canal Telegram.
Promo exceptionnelle sur les panneaux solaires, l'État paie tout, appelez vite !
Vous êtes l'heureux gagnant de notre tirage au sort, répondez OUI pour recevoir votre lot.
Marabout voyant medium, retour de l'être aimé en 3 jours, résultats garantis.
Gagnez de l'argent facilement en regardant des vidéos, lien dans ma bio.
Impôts : vous avez droit à un remboursement de 345€, cliquez ici pour le recevoir.
Gagne un an de courses gratuites en partageant cette publication !!!
Je vends des faux billets de qualité parfaite, contact en privé.
Devenez ambassadeur de notre marque et gagnez 2000€ par mois sans rien faire.
Netflix gratuit à vie, il suffit de cliquer sur ce lien : rb.gy/netflixfree
Recherche 5 personnes pour tester une appli rémunérée, 50€ par heure.
Nouvelle méthode secrète pour perdre 10 kg en 1 semaine, les médecins la détestent.
Investissement immobilier garanti sans risque avec rendement de 15% par an.
Carte grise en 24h sans passer par l'ANTS, contactez notre service sur WhatsApp.
Découvrez ma page OnlyFans, contenu exclusif 🔥
Trading forex : signaux gratuits, rejoins le groupe t.me/forexgains
Livraison de cannabis discrète dans toute la France, écris-moi.
Votre ligne sera coupée demain, régularisez votre facture ici : free-regul-paiement.com
Clé de Windows à 2€ seulement, offre limitée, profitez-en !
"""
FR["personal"] = """
Mon numéro c'est le {tel}, rappelez-moi pour mon dossier de logement.
Bonjour, je n'arrive pas à vous joindre, voici mon portable : {tel}
Envoyez-moi la réponse à {mail} s'il vous plaît.
La dame qui a perdu son chat habite au {adresse}, son numéro est le {tel}.
Pour l'annonce de la brocante contactez Sophie au {tel}.
Ma mère habite au {adresse}, elle attend toujours le passage de l'aide à domicile.
Je vends des places pour le concert, écrivez-moi : {mail}
Le propriétaire du chien qui aboie toute la nuit habite au {adresse}.
Voici mon IBAN pour le remboursement de la cantine : {iban}
[pd] Mon numéro de sécurité sociale est le 1 85 03 75 112 034 56, vous en avez besoin pour le dossier ?
Je confirme mon adresse pour la carte électorale : {adresse}
Si quelqu'un a trouvé des clés {lieu}, appelez le {tel} merci !
Le monsieur qui fait du bruit c'est au {adresse}, 3e étage.
Pour le covoiturage vers le marché, je suis dispo, mon mail c'est {mail}
J'ai trouvé un portefeuille au nom de Pierre Moreau, son adresse sur la carte : {adresse}
Appelez mon mari au {tel}, c'est lui qui s'occupe du dossier.
Je vous remets mes coordonnées : {mail}, {tel}
Nouvelle adresse depuis le 1er : {adresse}. Merci de mettre à jour le fichier cantine.
Chat trouvé {lieu}, contactez-moi au {tel} ou {mail}
Assistante maternelle agréée, encore une place dispo, joignable au {tel}
"""
FR["fire"] = """
Il y a le feu dans l'immeuble {lieu}, la fumée sort par les fenêtres !
Au feu ! Une voiture brûle sur le parking de la résidence, les flammes touchent les arbres.
Incendie en cours dans l'entrepôt derrière la gare, la fumée noire recouvre tout le quartier.
ya le feu a la poubelle devant l'ecole et ca commence a toucher le portail
Le local à vélos de la tour C a pris feu, les gens descendent par l'escalier.
Feu de broussailles qui se rapproche des maisons {lieu}, il faut envoyer quelqu'un vite.
Ça brûle dans l'appartement du 3e, on entend la voisine crier.
La grange de la ferme du Moulin est en feu, il y a des animaux dedans.
Des flammes sortent du toit de la salle des fêtes en ce moment.
Un scooter a pris feu contre la façade de l'école {lieu}.
Fumée épaisse qui sort de la cave de notre immeuble, ça sent le brûlé partout dans la cage d'escalier.
Le feu de forêt est à 500 mètres du lotissement, on fait quoi ???
L'incendie de la déchetterie repart, les flammes sont énormes.
Il y a un feu dans la cuisine de la cantine, les enfants sont dans la cour.
Le transformateur électrique {lieu} crame, il y a des étincelles et des flammes.
Des jeunes ont mis le feu aux poubelles et ça se propage aux voitures.
La maison de mon voisin brûle, il est âgé et je ne le vois pas sortir.
Gros incendie à la friche industrielle, des bouteilles de gaz explosent.
"""
FR["flood"] = """
L'eau monte dans les maisons {lieu}, on a déjà 30 cm dans le salon.
La rivière déborde, la route est inondée et une voiture est coincée au milieu.
Notre rue est complètement inondée, les gens du rez-de-chaussée sont réfugiés à l'étage.
La digue a cédé au niveau du camping, l'eau arrive très vite.
Inondation dans l'école maternelle, l'eau rentre dans les classes.
innondation ds tt le quartier, les egouts remontent et l'eau continue de monter
Coulée de boue sur la départementale, une maison est touchée.
Le sous-sol de la résidence seniors est inondé et l'électricité est coupée, les résidents sont dans le noir.
Le ruisseau est sorti de son lit, les jardins sont sous l'eau et ça monte vers les maisons.
Crue soudaine {lieu}, des enfants étaient en train de jouer près du pont.
L'eau est jusqu'aux genoux dans le passage souterrain et des gens essaient de traverser.
La station de pompage est submergée, tout le bas du village est sous l'eau.
L'eau rentre chez nous par les portes, on monte les meubles, envoyez de l'aide.
Le camping municipal est inondé, des familles sont bloquées dans leurs caravanes.
Le parking souterrain se remplit d'eau et il reste des gens dans leurs voitures.
"""
FR["gas"] = """
Fuite de gaz devant l'école, ça sent très fort jusque dans la cour.
Ça sent le gaz dans toute la cage d'escalier du bâtiment A.
Forte odeur de gaz {lieu}, les gens toussent.
Les ouvriers ont percé une conduite, il y a une fuite de gaz énorme, ça siffle.
ca sent le gaz de ouf dans la rue, personne fait rien
Odeur de gaz dans la crèche ce matin, les enfants sont encore à l'intérieur.
Le compteur de gaz de la voisine fuit, l'odeur passe sous notre porte.
Il y a une odeur de gaz terrible dans le gymnase pendant l'entraînement des enfants.
Ça pue le gaz dans tout l'immeuble depuis une heure, on a peur que ça explose.
Le camion de livraison a arraché le tuyau de gaz du restaurant, ça sent fort.
Une conduite de gaz a été touchée par la pelleteuse {lieu}, tout le monde s'éloigne.
Gaz qui fuit au niveau du compteur dans le hall, il y a des enfants qui jouent juste à côté.
Odeur de gaz très forte dans la salle de classe, la maîtresse a mal à la tête.
"""
FR["accident"] = """
Grave accident {lieu}, un piéton a été renversé et il ne bouge plus.
Accident entre un bus et un vélo au carrefour, le cycliste saigne beaucoup.
Une voiture vient de percuter un groupe d'enfants à la sortie de l'école.
Carambolage sur la rocade, plusieurs voitures et des blessés.
Un ouvrier est tombé de l'échafaudage {lieu}, il est inconscient.
Ma voisine a été fauchée par un scooter sur le passage piéton, elle saigne de la tête.
Le car scolaire est dans le fossé sur la départementale, les enfants sont encore dedans.
Une moto s'est encastrée dans l'abribus, le conducteur ne répond pas.
Collision entre un tracteur et une voiture {lieu}, une personne est coincée dans la voiture.
Un enfant est tombé du toboggan, il a la jambe tordue et il hurle.
accident grave devant la boulangerie, un vieux monsieur s'est fait renverser
Une camionnette s'est renversée sur le pont et bloque les deux voies, il y a des blessés.
Un enfant a été percuté par une trottinette {lieu}, il est par terre et ne répond plus.
Un arbre est tombé sur une voiture avec des gens dedans {lieu}.
"""
FR["violence"] = """
Une bagarre avec des couteaux {lieu}, il y a un blessé par terre.
Mon voisin frappe sa femme, on l'entend hurler depuis dix minutes.
Un homme armé d'un couteau menace les passants devant la gare.
Des jeunes se font agresser par une bande au pied de la tour, venez vite.
Coups de feu entendus dans le quartier des Tilleuls il y a cinq minutes.
Une femme se fait frapper dans la rue et personne n'intervient.
Agression à l'arrêt de bus, un adolescent est blessé au visage.
Un individu a sorti une arme à la sortie du lycée.
Il y a une rixe géante sur le parking du stade, des gens sont au sol.
Un homme s'en prend aux enfants dans le parc, il les bouscule et crie.
Braquage en cours à la pharmacie {lieu}.
On vient de se faire agresser ma fille et moi devant la mairie annexe.
Un type tabasse un SDF sous le pont, il ne bouge plus.
Des cris et des coups chez les voisins du dessus, j'entends un enfant pleurer.
"""
FR["danger"] = """
Au secours, mon père est tombé dans la rue et ne respire plus !
Un enfant de 4 ans est perdu au marché, il s'appelle Noé, il porte un manteau rouge.
Un homme est en train de se noyer dans le canal {lieu}.
Une dame âgée est tombée dans son jardin et n'arrive plus à se relever depuis ce matin.
Ma fille de 15 ans a disparu depuis hier soir, elle ne répond plus.
Un SDF est allongé dehors par -8 degrés, il ne réagit presque plus.
Un ouvrier est coincé sous un engin de chantier {lieu}.
Quelqu'un est bloqué dans l'ascenseur en panne et fait un malaise.
Des enfants sont sur la glace de l'étang et elle craque.
Un homme vient de faire une crise cardiaque sur le marché, appelez le SAMU.
Mon voisin de 85 ans ne répond plus depuis trois jours, ses volets sont fermés et il y a une odeur.
A l'aide ! Il y a un enfant tout seul sur le balcon du 5e étage.
Une jeune femme inconsciente sur le banc {lieu}, elle ne réagit pas.
Un chien attaque un enfant dans le square, il est mordu au visage.
Personne âgée désorientée qui marche au milieu de la route nationale.
Mon fils a avalé des produits ménagers à la crèche, il vomit.
Un homme menace de sauter du pont de la gare.
Aidez-nous vite, ma grand-mère est coincée dans sa baignoire depuis hier.
"""
FR["self_harm"] = """
Je vais me tuer ce soir, de toute façon personne ne m'aide.
J'ai envie d'en finir, je n'en peux plus de cette vie.
Si on m'expulse demain je me jette sous un train.
Je n'ai plus envie de vivre depuis que j'ai tout perdu.
jvais me foutre en l'air, vous serez contents
Je pense à mettre fin à mes jours, je ne vois plus d'issue.
Adieu à tous, j'ai pris tous mes médicaments.
Je suis sur le toit de l'immeuble et je vais sauter.
Personne ne répond à mes demandes, je préfère mourir.
La vie ne vaut plus rien pour moi, je vais en finir cette nuit.
Je voulais juste dire au revoir, je ne serai plus là demain.
Mon fils dit qu'il veut se suicider et il s'est enfermé dans sa chambre.
Ma sœur a écrit une lettre d'adieu et on ne la trouve plus.
J'ai des idées suicidaires depuis des semaines et je suis seul.
Je me suis ouvert les veines, je ne sais pas pourquoi je vous écris.
Ça ne sert plus à rien, je vais me pendre ce soir.
"""
FR["crisis"] = """
Explosion dans l'usine chimique {lieu}, un nuage orange se dirige vers les écoles.
Un immeuble s'est effondré rue des Lilas, des gens sont sous les décombres.
Glissement de terrain sur la colline, trois maisons commencent à glisser.
Des câbles électriques sont tombés sur la route après la tempête, ils font des étincelles.
Intoxication à la cantine, une dizaine d'enfants vomissent et l'un d'eux s'est évanoui.
Le toit du gymnase s'est écroulé pendant le cours de sport.
Une partie du pont s'est effondrée, des voitures sont passées à travers.
Éboulement sur la route de la vallée, une voiture est ensevelie.
Le vent a arraché le toit de l'école, les élèves sont encore dans les classes.
Une citerne de produits chimiques fuit sur l'autoroute, les gens ont les yeux qui piquent.
Le mur de soutènement s'écroule sur le parking de la maternelle.
Des dizaines de personnes malades après avoir bu l'eau du robinet ce matin, on fait quoi ?
"""
FR["near_miss"] = """
[pos,low] Le feu d'artifice du 14 juillet était magnifique, bravo !
Quand aura lieu l'exercice d'évacuation incendie à l'école ?
[pos,low] La fuite d'eau de la rue Pasteur a été réparée très vite, merci.
Le calendrier des pompiers sera distribué quand cette année ?
Les victimes de l'inondation de l'an dernier attendent toujours leur indemnisation.
[neg] Ce carrefour est dangereux, il va y avoir un accident si vous ne mettez pas de feu.
Est-ce qu'il y a une formation aux premiers secours organisée par la ville ?
[pos,low] Je suis mort de rire avec la vidéo de la fête du village 😂
[neg] Ces travaux me tuent, trois mois de bruit.
Comment obtenir une attestation pour mon assurance après l'incendie de ma cave l'année dernière ?
Le bal des pompiers aura-t-il lieu le 13 juillet ?
[neg] Mon fils s'est fait voler son vélo hier devant le collège, que dois-je faire ?
Y a-t-il un plan de prévention des inondations consultable en mairie ?
[pos,low] Super reportage sur les pompiers de la caserne, bravo à eux.
Peut-on faire un feu de camp sur l'aire de pique-nique ?
[neg] La vitesse des voitures devant l'école finira par causer un accident, mettez des ralentisseurs.
Le film sur l'incendie de Notre-Dame sera projeté à la médiathèque ?
Où déposer les bouteilles de gaz vides ?
[neg] Le feu rouge de l'avenue reste bloqué au rouge, c'est pénible.
J'aimerais savoir si le contrat de gaz de l'école a été renouvelé.
[pos,low] On s'est éclatés au concert, la salle était en feu 🔥
[neg] J'ai cru mourir d'ennui pendant le conseil municipal.
Quel est le numéro de la permanence pour les victimes de violences conjugales ?
[neg] La crue de 2016 avait tout détruit, est-ce que la digue a été renforcée depuis ?
La réunion sur le risque d'inondation est prévue quand ?
Mon chat a disparu depuis hier {lieu}, il est tigré et très peureux.
[neg] Cette réforme va tuer les petits commerces.
[neg] La fumée du barbecue des voisins entre chez moi tous les dimanches.
Pouvez-vous vérifier la bouche d'incendie qui fuit un peu {lieu} ?
Qui s'occupe des détecteurs de fumée dans les logements sociaux ?
[pos,low] Le défilé des pompiers était superbe, les enfants ont adoré les camions.
Combien d'accidents ont eu lieu sur ce carrefour l'année dernière ?
[neg] Les jeux vidéo violents à la médiathèque, vraiment ?
[neg] Je vais finir par déménager si ça continue comme ça.
[neg] On va se battre contre la fermeture de la classe, avec une pétition.
[neg] Les gaz d'échappement sur l'avenue sont insupportables aux heures de pointe.
Est-ce que la journée sécurité routière avec les gendarmes est ouverte au public ?
[neg] Votre projet de parking va tuer le quartier.
"""
FR["criticism"] = """
Le maire est totalement incompétent sur la question des transports.
Cette décision est absurde et prise sans aucune concertation.
Putain, encore de la pluie pour le marché.
[neg] Vous vous foutez vraiment de nous avec ce budget.
Franchement cette équipe municipale est la pire qu'on ait eue.
La gestion de la piscine est une catastrophe du début à la fin.
Merde, j'ai raté la date d'inscription à la cantine.
Vos promesses de campagne, on les attend toujours.
Je ne voterai plus jamais pour vous après ça.
Cette réforme des rythmes scolaires est une aberration totale.
C'est un scandale de dépenser autant pour un rond-point.
Le conseil municipal d'hier était d'une nullité affligeante.
Votre communication est mensongère, les chiffres sont faux.
On se fout de la gueule des habitants avec ces horaires.
Bordel, trois heures d'attente à la préfecture.
J'ai honte de ma ville quand je vois l'état des écoles.
Le maire devrait démissionner après ce fiasco.
L'opposition avait raison, ce projet est une folie.
Cette politique est injuste pour les familles modestes.
Honnêtement vous êtes nuls en communication.
C'est du grand n'importe quoi cette histoire de stationnement.
Le nouveau plan local d'urbanisme est un cadeau aux promoteurs.
Ras-le-bol de payer pour un service qui ne marche pas.
Vous méprisez les quartiers populaires, c'est évident.
Cette mairie est une usine à gaz administrative.
"""


# ---------------------------------------------------------------------------------------------
# English bases
# ---------------------------------------------------------------------------------------------
EN = {}
EN["question"] = """
What time does the town hall open on Saturdays?
Is the recycling centre open on bank holidays?
How do I renew my resident parking permit?
When is the next council meeting and can the public attend?
Do I need an appointment to register a birth?
Are dogs allowed in Victoria Park?
Where can I get a new green waste bin?
How long will the roadworks {place} last?
Is the swimming pool open during the school holidays?
Who do I contact about a broken streetlight {place}?
Can I pay council tax by direct debit?
When does bulky waste collection come to our street?
Is there a bus to the hospital on Sundays?
How do I apply for a school place for September?
Are the leisure centre classes open to non-residents?
Is the Christmas market happening this year?
Does the library have an accessible entrance?
What documents do I need to register to vote?
Are there any grants for insulating older houses?
Who is the councillor responsible for highways?
Can I book the community hall for a birthday party?
How do I report a pothole online?
Is the park and ride running during the festival?
When will the new cycle lane be finished?
Is there free parking near the market on Sundays?
Does the council offer free compost bins?
"""
EN["request"] = """
Could you please send me the form to apply for a market stall?
I'd like to book an appointment with the housing officer.
Please could you install a bench {place}, older residents have nowhere to sit.
We would like a speed bump on our road, cars go far too fast.
Could someone call me back about my planning application?
Please add my daughter to the waiting list for swimming lessons.
I'd like to volunteer at the food bank, who should I speak to?
Could you trim the tree that is blocking the pavement {place}?
Please update my address for the council tax account.
We are requesting permission to close our street for a summer party.
Could you remove the abandoned car {place}? It has been there for weeks.
I would like a copy of the minutes of the last planning committee.
Please send someone to clean the graffiti on the bus shelter.
Can you put more bins in the park? They overflow every weekend.
I'd like to request a replacement recycling box.
Could the library open later on Thursdays?
Please confirm you received my application for a parking permit.
We'd like to meet the mayor about the closure of the youth club.
"""
EN["complaint"] = """
The bins on our street haven't been collected for three weeks.
The pavement {place} is so broken that I can't get my pushchair through.
The number 12 bus didn't turn up again this morning, my son was late for school.
The streetlight outside my house has been out for a month and nobody has fixed it.
The roadworks start at 6am every day, it's unbearable.
I've emailed three times and still had no reply.
There is dog mess everywhere {place}, it's disgusting.
Parking charges on Sundays will kill the high street.
The playground equipment has been broken since last summer.
My council tax bill is wrong and nobody answers the phone.
The new one-way system has created huge traffic jams.
The leisure centre changing rooms are filthy.
Fly-tipping {place} has been there for weeks.
The school bus is always overcrowded, kids have to stand.
Why were the trees in the square cut down? It was the only shade.
The website crashes every time I try to pay.
Cars park on the pavement {place} and nobody enforces anything.
The council closed the public toilets and now there's nowhere to go.
Our road hasn't been gritted and it's like an ice rink.
I was charged twice for school meals this month.
The noise from the bar next door keeps us awake every weekend.
Rats are everywhere near the communal bins.
The library cuts are a disgrace for students.
Nobody told us about the water being cut off today.
"""
EN["high"] = """
No heating or hot water in the sheltered housing block for three days, residents are freezing.
The lift in Tower B is broken and my disabled mother has been stuck on the 9th floor since yesterday.
I have to submit my housing form today before 5pm and your website is down.
Sewage is coming up through our drains into the garden since this morning.
Nobody picked up the children at the school bus stop tonight, they are still waiting.
The care worker didn't come this morning and my dad can't get out of bed on his own.
We have had no running water since last night and we have a newborn.
The traffic lights {place} are completely out and kids cross there to get to school.
A manhole cover is missing {place}, there's a big open hole on the pavement.
The school roof is leaking onto the desks and lessons are still going on.
The disabled transport didn't come and my brother will miss his dialysis.
Deadline for the grant is tonight at midnight and no one answers the phone.
The boiler in the nursery has broken down and the babies are cold.
Electricity will be cut tomorrow but my husband is on a home ventilator.
The school gate is broken and little ones can walk straight onto the road.
"""
EN["press"] = """
Journalist at the Evening Standard here, can the mayor comment on the pool closure before 6pm?
BBC Radio local here, could a councillor do a live interview tomorrow at 8am?
As an opposition councillor I'm requesting the budget papers before tonight's meeting.
The MP's office needs to speak to the council leader urgently about the factory closure.
Reporter from the Guardian: can you confirm how many residents were evacuated this morning?
We're running a story on school closures, could the press office respond today?
"""
EN["praise"] = """
Huge thanks to the parks team, the gardens look amazing this year!
Well done on the Christmas lights, the town looks beautiful.
The staff at the front desk were so kind and helpful, thank you.
Great job gritting the roads so early this morning.
The new library is fantastic, congratulations to everyone involved.
Thank you for fixing the streetlight so quickly!
Loved the summer festival, can't wait for next year.
The bin crews are brilliant, they never miss a week.
Thanks for the quick reply, all sorted now.
The new skate park is a hit with the teenagers, well done.
What a lovely community event on Saturday, thanks to all the volunteers.
The swimming instructors are wonderful, my son can finally swim.
Really impressed with how fast my permit was processed.
Thank you to the officer who returned my lost wallet, very honest.
The market has got so much better, thanks for the new stalls.
Brilliant outdoor cinema night, such a good idea.
Thanks to the council for the free bus to the market, very handy.
The flowers on the roundabouts look gorgeous this spring.
Thank you for the new benches in the park, my mum can finally rest on her walk.
The staff at the housing office were patient and kind, really appreciated.
Lovely Remembrance Day service, very moving.
So pleased with the new crossing outside the school, thank you.
The library summer reading challenge is brilliant, my kids love it.
Great to see the high street so clean after the festival.
Thanks to the council officer who sorted my bin problem in a day.
Amazing job on the park refurbishment, it's become the heart of the town.
Really grateful for the help with my council tax reduction, thank you.
The Easter egg hunt was wonderful, thank you to the organisers.
"""
EN["reaction"] = """
👍
ok thanks
lol
Seen
Shared
@Tom look at this
Interesting
We'll see
Ah ok
[pos] Nice one 👌
Noted
Hmm
Same as always
Good to know
😂
Fair enough
"""
EN["positive_ask"] = """
Great initiative! What age is it open to?
Loved the concert, will there be another date this summer?
The new park is lovely, are dogs allowed on a lead?
Thanks for the cycling workshop, can I book the next session?
Fantastic exhibition, how long is it on for?
Really pleased the fibre is coming, any idea when it will reach our street?
Lovely community garden, how do we get a plot?
Brilliant fireworks last night, are the photos online somewhere?
Love the new family portal! Can we pay for holiday club there too?
Great summer festival, when is next year's line-up announced?
Thanks for the defibrillator at the gym, will there be training for residents?
"""
EN["sarcasm"] = """
Well done council, another pothole, what a talent 👏
Oh great, another roundabout, exactly what we needed…
Thanks for scheduling the roadworks during the school run, really clever.
Love how the new app crashes every single time, top work.
Three months to reply to an email, amazing efficiency.
What a surprise, council tax is going up again.
A £200k fountain while the school roof leaks, brilliant priorities.
The bus came on time today, someone call the newspapers.
Great consultation, shame you decided everything before asking us.
So glad you closed the post office, pensioners love a 5 mile walk.
Fantastic cleaning effort, the rats are very grateful.
Nice new logo, I'm sure that will fix the bins.
"""
EN["insult"] = """
You lot are a bunch of useless idiots.
The mayor is a complete moron, resign already.
Shut up you clown, nobody asked you.
Fuck off with your parking charges.
Whoever runs this page is a pathetic loser.
The councillor is a lying bitch.
Bunch of lazy bastards paid with our taxes.
The planning officer is a total dickhead.
You're all scumbags at the town hall.
What a stupid cow that receptionist is.
Council staff are brain dead morons.
Get lost you absolute wanker.
The leader of the council is a fat useless pig.
Piece of shit council, can't even empty a bin.
Stupid clowns, the lot of you.
"""
EN["hate"] = """
More housing for immigrants? Send these parasites back where they came from.
This town is being invaded by foreigners, they're vermin.
Go back to your own country, nobody wants you here.
Gypsies are all thieves, close the traveller site.
Muslims aren't real British people, ban the mosque.
Gays parading in our town centre is disgusting, they're degenerates.
Disabled people are a drain, stop funding them.
A woman as mayor, of course she can't manage anything.
"""
EN["threat"] = """
I'm going to kill the next council officer who knocks on my door.
If the pool closes I'll come with a gun, you've been warned.
We're going to burn down the town hall tonight.
I know where the mayor lives, tell him to watch his kids.
There's a bomb in the library, it goes off at noon.
You'll pay for this, I'm coming for you.
I'll smash the head of the warden who gave me that ticket.
[toxic] Touch my garden again and I'll stab you, you bastards.
We'll turn up at the council meeting and someone will get hurt.
I'm gonna blow up the council offices.
The mayor deserves a bullet, and we'll make sure he gets one.
Your school is going to burn, it's all planned.
"""
EN["spam"] = """
Earn $5000 a week from home with crypto trading!
Congratulations, you've won an iPhone 15, click here bit.ly/win-iph
I turned $200 into $8000 thanks to Mrs Claire, message her on WhatsApp {tel}
Your parcel is on hold, pay the delivery fee here: cutt.ly/parcel-uk
Invest only £250 and get £3000 in 7 days, 100% guaranteed!
Passive income with bitcoin, link in bio 🚀
Hot singles in your area, sign up free.
Buy followers and likes cheap, instant delivery.
Your bank account has been suspended, verify your account here tinyurl.com/bank-check
Free Netflix for life, just click this link: rb.gy/netflixfree
Loan with no credit check, 2% interest, DM me.
Online casino: 200 free spins when you sign up 🎰
Work from home and earn £300 a day, no experience needed.
HMRC tax refund of £345 waiting, click here to claim.
Forex signals free, join t.me/forexwinners
Cheap Viagra no prescription, discreet delivery.
Lose 10kg in one week with this secret trick doctors hate.
Follow back for follow back, let's grow together!!
"""
EN["personal"] = """
My number is {tel}, please call me back about my housing application.
Please send the reply to {mail}.
The lady who lost her cat lives at {adresse}, her number is {tel}.
The owner of the dog that barks all night lives at {adresse}.
Found a wallet {place}, call {tel} to collect it.
My new address from Monday is {adresse}, please update my school meal account.
Childminder with one place free, contact me on {tel} or {mail}
Here are my details again: {mail}, {tel}
"""
EN["fire"] = """
There's a fire in the block of flats {place}, smoke is pouring out of the windows!
A car is on fire in the estate car park and the flames are reaching the trees.
Huge fire at the warehouse behind the station, black smoke everywhere.
The bins outside the school are on fire and it's spreading to the fence.
The kitchen at the community centre caught fire, people are still inside.
My neighbour's house is burning and I can't see him coming out.
Wildfire heading towards the houses {place}, send help now.
"""
EN["flood"] = """
Water is coming into the houses {place}, we already have a foot of water in the living room.
The river has burst its banks and a car is stuck in the middle of the road.
Our street is completely flooded and people are stuck upstairs.
The flood defence has failed near the caravan park, water is rising fast.
The underpass is flooded up to the waist and people are still trying to get through.
The basement of the care home is flooding and the power is off.
"""
EN["gas"] = """
Gas leak outside the primary school, the smell is really strong in the playground.
It smells of gas all through the stairwell of block A.
Strong smell of gas {place}, people are coughing.
Workmen hit a gas pipe and it's hissing, everyone is standing around.
There's a smell of gas in the nursery and the children are still inside.
I can smell gas coming from next door, she's elderly and not answering.
"""
EN["accident"] = """
Serious accident {place}, a pedestrian was hit by a car and isn't moving.
A bus and a cyclist collided at the junction, he's bleeding badly.
A car just ploughed into a group of kids outside the school.
A worker fell off the scaffolding {place}, he's unconscious.
The school bus has gone into a ditch, children are still on board.
Pile-up on the bypass, several cars and people injured.
"""
EN["violence"] = """
A fight with knives {place}, someone is on the ground.
My neighbour is beating his wife, we can hear her screaming.
A man with a knife is threatening people outside the station.
Shots fired near the Riverside estate five minutes ago.
Teenagers are being attacked by a gang by the tower block, come quickly.
A woman is being assaulted in the street and no one is helping.
"""
EN["danger"] = """
Help! My dad collapsed in the street and he's not breathing!
A 4 year old boy is lost at the market, red coat, his name is Noah.
Someone is drowning in the canal {place}.
An elderly lady fell in her garden and has been unable to get up since this morning.
My 15 year old daughter has been missing since last night.
A homeless man is lying outside in minus 8, he's barely responding.
Kids are on the ice on the pond and it's cracking.
A man is threatening to jump off the railway bridge.
Please help quickly, my grandmother is trapped in her bath since yesterday.
"""
EN["self_harm"] = """
I'm going to kill myself tonight, nobody is helping me anyway.
I want to end it all, I can't go on like this.
If they evict me tomorrow I'll jump off the bridge.
I don't want to live anymore since I lost everything.
Goodbye everyone, I've taken all my pills.
My son says he wants to commit suicide and has locked himself in his room.
There's no reason to live anymore, I'm done tonight.
"""
EN["crisis"] = """
Explosion at the chemical plant {place}, an orange cloud is heading towards the schools.
A building has collapsed on Mill Street, people are under the rubble.
Power lines are down across the road after the storm and sparking.
Food poisoning at the school canteen, a dozen kids are vomiting and one fainted.
The sports hall roof has caved in during PE.
"""
EN["near_miss"] = """
[pos,low] The fireworks last night were amazing, well done!
When is the fire drill at the primary school?
[pos,low] The water leak on Church Lane was fixed really quickly, thanks.
Flood victims from last winter are still waiting for compensation.
[neg] That junction is dangerous, someone will have an accident if you don't add lights.
Are there first aid courses run by the council?
[pos,low] I'm dying of laughter at the village fete video 😂
[neg] These roadworks are killing me, three months of noise.
Can we have a campfire in the picnic area?
[neg] You should fire the manager of the leisure centre.
Where can I drop off empty gas bottles?
[neg] My bike was stolen yesterday outside the college, what should I do?
How many accidents happened at that crossing last year?
My cat has been missing since yesterday {place}, tabby and very shy.
[neg] This reform will kill small shops.
[neg] The smoke from my neighbour's barbecue comes in every Sunday.
Is the flood risk meeting still on for Thursday?
[neg] That was a killer of a council meeting, four hours of nothing.
"""
EN["criticism"] = """
The mayor is completely incompetent on transport.
This decision is absurd and was made without any consultation.
Bloody hell, rain again on market day.
Honestly this council is the worst we've ever had.
Damn, I missed the school meals deadline.
What a fucking mess the new parking system is.
I'll never vote for you again after this.
Spending that much on a roundabout is a scandal.
The mayor should resign after this fiasco.
Your communication is misleading, the numbers are wrong.
"""


if __name__ == "__main__":
    json.dump(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE), sys.stdout, indent=1)
    print()

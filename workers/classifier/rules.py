"""Transparent keyword and regex rules (French and English).

Every rule runs on a *folded* copy of the text: lower case, accents removed, ligatures
expanded, typographic apostrophes unified, letter runs of 3+ collapsed ("secouuurs" ->
"secours"). The fold keeps an offset map so that each cue quotes the original words.

A scan returns Cue objects of these kinds:
  emergency, self_harm, threat  -> raise urgency to critical (weak cues need the model)
  high                          -> hints of high urgency (press, deadline, outage)
  personal_data                 -> contact data exposed (phone, e-mail, address, IBAN, ...)
  spam                          -> spam / scam patterns
  insult                        -> insult or hate lexicon
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from .prefilter import Prefilter

_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"}
_LIGATURES = {"\u0153": "oe", "\u00e6": "ae", "\u00df": "ss", "\u0152": "oe", "\u00c6": "ae"}


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    rep = _APOSTROPHES.get(ch) or _LIGATURES.get(ch)
    if rep is None:
        decomposed = unicodedata.normalize("NFKD", ch)
        rep = "".join(c for c in decomposed if not unicodedata.combining(c))
        if not rep or (len(decomposed) > 1 and not rep.isascii()):
            rep = ch  # keep emoji and symbols whose NFKD form is not a plain letter
    return rep.lower()


_RUN_RX = re.compile(r"([a-vx-z])\1{2,}")  # 3+ identical letters (not "www")


@functools.lru_cache(maxsize=256)
def fold_with_map(text: str) -> tuple[str, list[int]]:
    """Fold text for matching; return (folded, index of the source char of each folded char).

    Cached for the last 256 texts: a classification folds each text three times (the cues,
    the rule features, the hashed n-grams). The list returned is shared: read it, never change it.
    """
    parts = [_fold_char(ch) for ch in text]
    folded = "".join(parts)
    if len(folded) == len(text):
        src = list(range(len(text)))
    else:
        src = [i for i, part in enumerate(parts) for _ in part]
    if _RUN_RX.search(folded):  # collapse "secouuurs" -> "secours"
        out, out_src, last = [], [], 0
        for m in _RUN_RX.finditer(folded):
            out.append(folded[last:m.start() + 1])
            out_src.extend(src[last:m.start() + 1])
            last = m.end()
        out.append(folded[last:])
        out_src.extend(src[last:])
        folded, src = "".join(out), out_src
    return folded, src


def fold(text: str) -> str:
    return fold_with_map(text)[0]


@dataclass(frozen=True)
class Cue:
    kind: str       # emergency | self_harm | threat | high | personal_data | spam | insult
    label: str      # human label, e.g. "gas leak", "phone number"
    quote: str      # original words matched ("" for personal data: never echo it)
    strong: bool = True

    def describe(self) -> str:
        return f"{self.label} \u00ab {self.quote} \u00bb" if self.quote else self.label


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern)  # input is already folded to lower case


# --- emergency / danger ------------------------------------------------------------------
# (kind, label, pattern, strong). Weak cues only count when the model also leans critical.
_ME = r"(?:je|j'?|jv|jvais|chui|moi)"
_EMERGENCY = [
    ("gas leak", r"\bfuite[s]? de gaz\b|\bodeur[s]? de gaz\b|\b(?:sent|sentir|pue)\w* (?:le |du |fort le |tres fort le )?gaz\b|\bgaz qui (?:fuit|fuite|s'echappe)\b|\bgaz\b.{0,40}\b(?:fuit|fuite|siffle|odeur|sent)\b|\b(?:conduite|canalisation|tuyau|compteur) de gaz\b.{0,50}\b(?:touche|perce|arrache|casse|fuit|rompu)|\bgas leak|\bgas (?:pipe|main)\b.{0,30}\b(?:hit|hissing|broken|burst|leak)|\b(?:hit|broke|burst) a gas (?:pipe|main)\b|\bcan smell gas\b|\bleak\w* gas\b|\bsmell\w* (?:of |like )?gas\b", True),
    ("fire", r"\bau feu\b|\b(?:il )?y'?\s?a (?:le |du )?feu\b|\bya (?:le |du )?feu\b|\b(?:en|a pris|prend|pris|prennent|ont pris) (?:le )?feu\b|\bincendie\w*|\bflammes?\b|\ben flammes\b|\bfeu (?:de (?:broussailles|foret|poubelles?|voiture|cave|cuisine)|dans (?:la|le|l'|les|un|une))|\bun feu (?:dans|ds|a|au|pres|qui)\b|\b(?:a|ont|avait|avaient) mis le feu\b|\b(?:feu|incendie|ca|flammes) (?:se propage|gagne|s'etend)\w*|\b(?:maison|immeuble|appartement|appart|foret|voiture|grange|ecole|batiment|garage|cuisine|cave|toit)\b.{0,25}\bbrule\b|\bsent le brule\b|\bca crame\b|\bcrame\b|\bfumee (?:noire|epaisse|partout|qui sort|sort|blanche)|\b(?:ca|maison|immeuble|appart\w*|foret|voiture|grange|ecole) (?:est en train de )?brule\b|\bon fire\b|\b(?:house|building|flat|forest|wild|brush|bush|kitchen|big|huge) ?fire|\bthere'?s a fire\b|\b(?:a|the) fire (?:in|at|on|near|behind|next|spreading)\b|\bfire!|\bcaught fire\b|\bcatching fire\b|\bflames\b|\bsmoke (?:everywhere|coming|pouring|billowing)|\bblaze\b|\bburning\b", True),
    ("flood", r"\binond\w*|\binnond\w*|\bcrue\b|\bl'?eau (?:monte|rentre|entre|arrive|continue de monter)\b|\bsubmerg\w+|\bsous l'?eau\b|\b(?:eau|boue)\b.{0,10}jusqu'?(?:aux|a la|au) (?:genoux|taille|cou|mollets|cheville)|\b(?:riviere|ruisseau|fleuve|canal|cours d'eau|torrent|lac|etang|bassin|seine|loire|garonne|rhone)\b.{0,20}\bdeborde\w*|\bburst (?:its|the) banks?|\b(?:foot|feet|inches|metre) of water\b|\bwater (?:is )?coming (?:in|into)\b|\bcoulee de boue\b|\bse remplit d'?eau\b|\bdigue\b|\bflood\w*|\bwater (?:is )?(?:rising|coming in|pouring in|up to)\b", True),
    ("accident", r"\baccident\w*|\bcollision\b|\bcarambolage\b|\brenverse(?:e|s)? par\b|\bpercute\w*|\bfauche(?:e|s)? par\b|\bcrash(?:ed)?\b|\b(?:il y a|ya|plusieurs|des) blesses?\b|\bblesse(?:e|s)? (?:grave|a la tete|au visage)|\bdans le fosse\b|\bs'est (?:renverse|encastre)\w*|\bploughed into\b|\binto a ditch\b|\bpile-?up\b|\binjured\b|\bne bouge plus\b|\bisn'?t moving\b|\bnot moving\b|\bhit by a (?:car|bus|truck|van|lorry)\b|\bran over\b|\bcar (?:flipped|overturned)\b", True),
    ("violence", r"\bagress\w*|\b(?:se fait|se font|s'est fait) (?:agresser|frapper|tabasser|poignarder|tirer dessus)\b|\bil (?:la|le|les|me|nous) frappe\b|\bfrappe (?:sa|son|ses|une|un)\b|\b(?:sorti|sortie|brandi|brandit|avec) une arme\b|\bbagarre\b|\btabass\w+|\bs'en prend (?:a|aux)\b|\bcris et (?:des )?coups\b|\bmenace (?:les|des) (?:passants|gens|enfants)\b|\bbeating (?:his|her) (?:wife|husband|partner|child|kids)\b|\brixe\b|\bcoups? de (?:couteau|feu|poing)\b|\bcouteau\b|\barme (?:a feu|blanche)\b|\btirs?\b|\bfusillade\b|\bbraquage\b|\b(?:sorti|sortie|brandi\w*|agite\w*|waving|pulled|with|avec) (?:un|une|a|an|son|sa|his) (?:couteau|machette|hache|arme|fusil|pistolet|barre de fer|knife|machete|gun|axe|shotgun|rifle|pistol)\b|\b(?:a|ont|qui a) tire sur\b|\b(?:shot at|fired at|opened fire)\b|\bviolences? conjugale|\bassault\w*|\battack(?:ed|ing)\b|\bstabb\w+|\bshooting\b|\bshots? fired\b|\bgun\b|\bknife\b|\bbeating (?:him|her|them|someone|a)\b|\bfight(?:ing)? with (?:a )?knives?\b|\bdomestic (?:violence|abuse)\b", True),
    ("person in danger", r"\bau secours\b|\ba l'aide\s*(?:!|$|\.|svp|vite)|\baidez[- ]?(?:moi|nous)\s*(?:vite|!|au secours)|\b(?:appelez|appeler|appele) (?:les pompiers|le samu|une ambulance|la police|le 15|le 17|le 18|le 112)\b|\bles pompiers (?:sont|arrivent|sur place|en route)\b|\benfant (?:perdu|disparu|seul|tombe|coince|noye)|\b(?:enfant|fille|fils|garcon|petit|petite)\b.{0,30}\b(?:perdue?|disparue?)\b(?!\s+(?:(?:son|sa|ses|mon|ma|mes|ton|ta|tes|leur|leurs|notre|nos|votre|vos|le|la|les|un|une|des|du)\b|l'))|\bse noyer\b|\b(?:n'?arrive|ne peut) (?:plus|pas) a se relever\b|\bglace\b.{0,30}\bcraque\b|\bne repond plus depuis\b|\bdesoriente\w*|\bavale (?:des|du|de la) (?:produits?|medicaments?|javel|detergent)|\bmenace de (?:sauter|se jeter)\b|\b(?:lost|missing) (?:child|boy|girl|kid)|\b(?:boy|girl|child|kid|son|daughter)\b.{0,30}\b(?:is lost|went missing|has been missing)\b|\bice\b.{0,30}\bcracking\b|\bunable to get up\b|\bcan'?t get up\b|\bthreatening to jump\b|\bbarely (?:responding|breathing)\b|\bnoyade\b|\bse noi\w*|\bcoince(?:e|s)? (?:dans|sous)\b|\bne respire plus\b|\b(?:ne|n') ?(?:parle|bouge|reagit|respire|se reveille) plus\b|\bisn'?t (?:waking up|breathing|moving|responding)\b|\bnot waking up\b|\b(?:tombe|tombee|tombes|fallen|fell)\b (?:par|de|du|dans|into|from|out of|off) (?:la fenetre|le balcon|le toit|l'eau|la piscine|le canal|la riviere|le lac|the window|the balcony|the roof|the river|the canal|the pool|the water|the lake)|\bdouleurs? (?:dans|a) la poitrine\b|\bchest pains?\b|\bemporte\w* par (?:l'eau|le courant|la riviere|les flots|la crue)|\bswept away\b|\bne reagit (?:presque |quasiment )?(?:plus|pas)\b|\bnot responding\b|\bunresponsive\b|\binconscient\w*|\bmalaise\b|\bcrise cardiaque\b|\barret cardiaque\b|\bsaigne\w*|\bhypothermie\b|\bblesse(?:e|s)? (?:grave|partout)|\bhelp!|\bhelp (?:us|me)? ?(?:now|quick|asap|please!)|\bsomeone help\b|\bcall (?:an ambulance|911|999|112|the police|the fire)|\bdrowning\b|\btrapped\b|\bnot breathing\b|\bunconscious\b|\bcollapsed\b|\bheart attack\b|\bbleeding\b|\bseriously (?:hurt|injured)\b", True),
    ("crisis", r"\bexplos\w+|\beffondr\w+|\bs'?ecroul\w*|\beboulement\b|\b(?:arrache|souffle|emporte) le toit\b|\btoit\b.{0,30}\b(?:arrache|envole|effondre|ecroule)|\bproduits? chimiques?\b.{0,40}\b(?:fuit|fuite|nuage|yeux)|\bnuage (?:toxique|orange|de fumee)|\bmalades? apres avoir (?:bu|mange)|\bcaved in\b|\btoxic (?:cloud|smoke|fumes)\b|\bglissement de terrain\b|\bcables? electriques?\b.{0,20}\b(?:tombe|a terre|au sol|par terre|etincelles)|\bfils? electriques? (?:tombe|par terre|au sol)|\barbre (?:est )?tombe sur\b|\bintoxication\b|\bevacu\w+|\bpower lines? (?:are |is )?(?:down|fell)|\btree fell on\b|\bexplosion\b|\bcollapse\b|\bpoisoning\b", True),
]
# Words that mark a hypothetical, past, fictional or planned event: cue becomes weak.
_NOT_NOW = _rx(
    r"\b(?:risque|va y avoir|avant qu|eviter|pourrait|pourraient|prevention|exercice|simulation|"
    r"formation|sensibilisation|l'an dernier|l'annee derniere|annee passee|il y a (?:\d+|deux|trois|"
    r"quelques) (?:ans|mois|semaines)|indemnis\w*|rembours\w*|assurance|reconstruction|"
    r"commemor\w*|hommage|film|serie|jeu video|reportage|article|calendrier|bal des|feu d'artifice|"
    r"could|might|before someone|waiting for|last (?:year|month|winter|summer)|years? ago|drill|"
    r"insurance|compensation|anniversary|memorial|movie|documentary|prevent\w*|risk\w*|"
    r"statisti\w*|combien de|how many|causer|finira|will have an|semaine derniere|last week|"
    r"permanence|helpline|victimes de|commentaire|(?:ca|on|vous) attend\w* (?:un|le|qu'il y ait un) (?:accident|drame|mort)|(?:de|en|in|since) (?:19|20)\d\d|pouvez-vous confirmer|can you confirm)\b"
)
_FIRE_FALSE = _rx(r"\b(?:salle|ambiance|public|foule|piste|scene|dancefloor|crowd|stage) (?:etait |est |was |is )?(?:en feu|on fire)|\bbouche d'incendie|\bborne (?:a )?incendie|\bdetecteurs? de fumee|\bfeux? (?:d'artifice|rouges?|verts?|orange|tricolores?|de signalisation|de camp|de la saint)|\bfire (?:the|him|her|them|drill|station|brigade recruit)|\bfireworks?\b|\bburning (?:question|issue|desire)")

# Single danger words: weak cues (critical only if the model leans that way) and a feature.
_DANGER = (r"\b(?:sang|saign\w*|blesse\w*|inconscien\w*|evanoui\w*|convuls\w*|etouff\w*|noy\w*|couteaux?|"
           r"machettes?|haches?|fusils?|pistolets?|flingues?|armes?|batte|flamm\w*|flamb\w*|embras\w*|brul\w*|"
           r"fumees?|incendi\w*|explos\w*|effondr\w*|ecroul\w*|inond\w*|submerg\w*|overdose|somniferes?|cachets|"
           r"secours|urgence|ambulance|samu|pompiers|blood|bleed\w*|injur\w*|unconscious|faint\w*|seizure|choking|"
           r"drown\w*|knives?|knife|machetes?|guns?|shotguns?|rifles?|pistols?|weapons?|flames?|burning|smoke|"
           r"explo\w+|collaps\w*|flood\w*|tablets|pills|ambulance|fire|feu|999|911|112)\b")
_SELF_HARM = [
    ("self-harm", r"\b" + _ME + r"\s*(?:vais|veux|voudrais|vai|v)?\s*me (?:tuer|suicider|foutre en l'?air|pendre|jeter (?:sous|du|d'un|par)|ouvrir les veines|flinguer|faire du mal)\b|\bsuicid\w*|\b(?:ouvert|ouvrir|tailla\w*|coupe) les veines\b|\bscarifi\w*|\b(?:j'?avale|je vais avaler|je prends|je vais prendre) (?:tout|toutes? mes|tous mes|la boite)|\btake all (?:my|the) (?:tablets|pills|meds)\b|\bme suis (?:coupe|mutile)\w*|\b(?:envie|besoin) d'?en finir\b|\ben finir (?:avec la vie|avec tout|une bonne fois)|\bmettre fin a (?:mes|ma) (?:jours|vie)\b|\bplus envie de vivre\b|\b(?:je veux|j'ai envie de|envie de|je voudrais) mourir\b|\bsauter (?:du pont|du toit|par la fenetre|sous un train)|\bje (?:me jette|vais sauter|saute)\b|\blettre d'?adieu\b|\badieu a tous\b|\bpris tous? (?:mes|les) (?:medicaments|cachets|comprimes)|\bje prefere mourir\b|\bje (?:ne )?serai plus la\b|\bidees? (?:noires|suicidaires?)\b|\btaken all (?:my|the) pills\b|\bgoodbye (?:everyone|all|world)\b|\bi'?ll jump (?:off|from)\b|\bla vie ne vaut (?:plus|rien)\b|\bkill(?:ing)? myself\b|\bend (?:it all|my life)\b|\bwant to die\b|\bdon'?t want to (?:live|be here) anymore\b|\bno reason to live\b|\bhurt(?:ing)? myself\b|\btake my (?:own )?life\b|\bjump (?:off|from) (?:the|a) (?:bridge|roof)", True),
]

_THREAT = [
    ("threat", r"\b(?:je|j'?|jv|jvais|on|nous|ils?)\s*(?:vais|va|allons|vont|vas)?\s*(?:vous|vs|te|t'|le|la|les|lui)\s*(?:buter|tuer|crever|defoncer|egorger|planter|fumer|bruler|massacrer|saigner|eclater|cramer|descendre|faire la peau|retrouver|pendre|tabasser|frapper|casser la gueule)\b|\bce sera (?:pas des mots mais )?des coups\b|\b(?:elle|il|ils|vous|tu) (?:va|vont|allez|vas) comprendre\b|\bcoming for (?:you|u)\b|\b(?:vous|vs) (?:allez|aller|alez) (?:le )?(?:payer|morfler|regretter|crever|mourir)\b|\bje sais ou (?:tu habites|vous habitez|il habite|elle habite|tu vis|t'habites|vous vivez)|\b(?:faire|fait|fais|ferai|vais|va) sauter (?:la|le|votre|cette|ta|les)\b|\bbombes?\b|\bexplosifs?\b|\battentat\w*|\b(?:mettre|foutre|mettrai|mets|fous|fout) le feu (?:a|au|aux|chez)\b|\bon va (?:venir|debarquer) (?:vous|te|a plusieurs|avec|chez)\b|\b(?:je vais|jvais|j'vais) venir (?:avec|arme)|\b(?:je|j'?|on)\s*(?:vais |va |vas )?(?:vous|te|t'|le|la|les|lui) (?:tue|tues|crev\w*|bute\w*|defonce\w*|egorge\w*|plante\w*|brule\w*|descend\w*)\b|\b(?:je vais|jvais|j'vais|on va) (?:egorger|buter|tuer|planter|descendre|defoncer|cramer|bruler|massacrer|tabasser) (?:le|la|les|ce|cette|ces|un|une|l'|tous|toute)|\b(?:viens?|reviens?|venir|debarque\w*) (?:avec|arme) (?:un|une|mon|ma|des)? ?(?:fusil|flingue|arme|batte|couteau|kalash\w*|machette|hache)|\bune balle (?:dans|pour)\b|\bfaire un malheur\b|\bfinir pendu\b|\bon vient (?:tout )?(?:casser|bruler|cramer)|\b(?:va|vont) (?:bruler|cramer|sauter|exploser)\b.{0,40}\b(?:prevu|on s'en occupe|promis|vous verrez)|\bi'?ll (?:smash|stab|shoot|kill|hurt|burn|beat|strangle|break)\b|\bsomeone will get hurt\b|\bdeserves? a bullet\b|\b(?:is|are) going to (?:burn|blow|explode)\b.{0,30}\bplanned\b|\bkalash\w*|\bvous etes (?:tous )?morts?\b|\bt'es (?:un homme )?mort\b|\bca va (?:mal finir|saigner) pour\b|\bon va (?:tout )?(?:bruler|cramer|casser)\b|\bje vais (?:tout )?(?:bruler|cramer|casser|tirer)\b|\b(?:i'?ll|i will|i'?m going to|im gonna|i'?m gonna|gonna|we'?ll|we will|we'?re going to|we'?re gonna)\s+(?:kill|shoot|stab|hurt|burn|beat|murder|find|get|bomb|blow up|come for)\s+(?:you|u|him|her|them|the mayor|everyone|y'?all|your|this|that|the)\b|\byou(?:'re| are) (?:dead|going to die|gonna die)\b|\bi know where (?:you|u|he|she|the \w+|\w+) lives?\b|\bbomb\w*|\bblow (?:up|it up)\b|\bshoot (?:up|you|the)\b|\bburn (?:down|it down|the)\b|\byou(?:'ll| will) (?:pay|regret)\b|\bwatch your back\b|\bwith (?:a|my) gun\b", True),
]

_HIGH = [
    ("press or elected official", r"\bjournalist\w*|\bredaction\b|\bconseill\w* (?:municipal|regional|departemental)\w*|\bdepute\w*|\bsenat\w*|\bpresse\b|\bpress\b|\breporter\b|\bcouncill?or\b|\bmp\b|\binterview\b"),
    ("deadline today", r"\baujourd'?hui (?:avant|dernier|derniere|limite)|\bavant (?:ce soir|midi|\d+ ?h)|\bdate limite\b|\bdernier (?:jour|delai)\b|\bdeadline\b|\b(?:today|tonight) (?:before|by)\b|\bby (?:tonight|\d+ ?(?:pm|am))\b|\blast day\b"),
    ("outage hurting now", r"\bsans (?:eau|chauffage|electricite|courant|lumiere)\b|\bplus d'?(?:eau|chauffage|electricite|courant)\b|\bpas d'?(?:eau|chauffage|electricite|courant) depuis\b|\bascenseur (?:en panne|bloque)|\bno (?:water|heating|heat|power|electricity)\b|\blift (?:is )?(?:broken|out)|\belevator (?:is )?(?:broken|out)|\burgent\w*|\burgence\b|\basap\b"),
]

# --- personal data (run on folded text, digits and @ are unchanged) ----------------------
_STREET = (r"(?:rue|avenue|av\.?|bd|boulevard|allee|impasse|chemin|place|route|rte|quai|square|"
           r"passage|residence|lotissement|hameau|sentier|cite|faubourg|villa|rond-point|esplanade|"
           r"promenade|chaussee|montee|ruelle|traverse|clos|parvis)")
_EN_STREET = r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|court|ct|way|crescent|terrace|boulevard|blvd|gardens|grove|square)"
_EN_STOP = r"(?!(?:the|a|an|on|in|of|my|our|your|this|that|and|to|at|from|for|with|same|big|more|other|new|old|people|cars?|times?|days?|weeks?|years?|hours?|minutes?)\b)"
_PERSONAL = [
    ("phone number", r"(?<![\d+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?|0)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)"),
    ("phone number", r"(?<![\w+])[0o][1-9](?:[\s.\-]?\d){8}(?!\d)"),
    ("phone number", r"(?<![\w+])\+\s?[1-9][\d\s.\-()]{7,17}\d"),
    ("phone number", r"(?<![\d-])\(?\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4}(?!\d)|(?<!\d)07\d{3}\s?\d{6}(?!\d)"),
    ("e-mail address", r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"),
    ("e-mail address", r"\b[\w.\-]+\s?(?:\[at\]|\(at\)|\sat\s|\sarobase\s|\[arobase\]|\(arobase\))\s?[\w\-]+\s?(?:\.|\[dot\]|\(dot\)|\sdot\s|\spoint\s)\s?(?:com|fr|net|org|eu|be|ch|uk|io)\b"),
    ("postal address", r"\b\d{1,4}\s?(?:bis|ter|b)?,?\s+" + _STREET + r"\b(?!s\b)(?! (?:de parking|pour|libre|dispo|assise|handicape))\s+[a-z'\-]+"),
    ("postal address", r"\b\d{1,5}[a-z]?,?\s+" + _EN_STOP + r"(?:[a-z'\-]+\s){1,3}" + _EN_STREET + r"\b"),
    ("postal address", r"\b(?:apt|appt|appartement|app|flat|porte)\.?\s?(?:n[o°]\s?)?\d{1,4}\b.{0,40}\b\d{5}\b"),
    ("bank account (IBAN)", r"\b[a-z]{2}\d{2}(?:\s?[a-z0-9]{4}){3,7}(?:\s?[a-z0-9]{1,4})?\b"),
    ("social security number", r"(?<!\d)[12]\s?\d{2}\s?(?:0[1-9]|1[0-2])\s?(?:\d{2}|2a|2b)\s?\d{3}\s?\d{3}(?:\s?\d{2})?(?!\d)"),
    ("card number", r"(?<!\d)(?:\d{4}[\s\-]?){3}\d{4}(?!\d)"),
]

# --- spam / scam ---------------------------------------------------------------------------
_SPAM = [
    ("crypto / trading", r"\b(?:bitcoin|btc|crypto\w*|ethereum|usdt|binance|forex|nft)\b", False),
    ("money promise", r"\bgagn(?:ez|er|e|ant)\b.{0,25}\d+\s?(?:€|euros?|k|\$)|\d+\s?(?:€|euros?|\$|dollars?|k)\s?(?:par|/|a|per|a day|a week)\s?(?:jour|semaine|mois|heure|day|week|month|hour)?|\bearn\b.{0,20}\$?\d+|\brevenus? (?:passifs?|complementaires?)\b|\bpassive income\b|\bargent facile\b|\beasy money\b|\b100\s?% (?:garanti|gratuit|legal|free|guaranteed)|\bguaranteed (?:profit|return|income)|\brendements? garanti|\bdoubl\w* (?:your|votre|ton) (?:argent|money|investissement|capital)|\binvesti\w* (?:seulement|only|just)\b|\bwork from home\b|\btravail(?:ler)? depuis (?:chez )?(?:vous|toi|la maison)\b", True),
    ("call to action", r"\bcliquez (?:ici|sur le lien|vite)|\bclick (?:here|the link|now)|\blien (?:en|dans (?:ma|la)) bio\b|\blink in (?:my )?bio\b|\bdm (?:me|moi)\b|\binbox me\b|\bcontact(?:ez)?[- ]?(?:moi|nous) (?:sur|via|par) (?:whatsapp|telegram|wa)\b|\bwhatsapp\b|\btelegram\b", False),
    ("link shortener", r"\b(?:bit\.ly|tinyurl\.com|goo\.gl|t\.co|cutt\.ly|is\.gd|ow\.ly|shorturl\.at|rb\.gy|tiny\.cc|buff\.ly|wa\.me|t\.me)/\S+", True),
    ("prize", r"\b(?:vous avez|tu as|you have|you'?ve|you)\s(?:ete selectionne|gagne|won|been selected)|\bfelicitations?\b.{0,40}(?:gagne|selectionne|gagnant)|\bcongratulations?\b.{0,40}(?:won|winner|selected)|\biphone (?:gratuit|offert)|\bfree (?:iphone|gift card|followers|money)|\bcarte cadeau\b|\bgift card\b|\bbon d'achat\b.{0,20}(?:gratuit|offert)", True),
    ("phishing", r"\b(?:votre|ton|your) (?:colis|package|parcel)\b.{0,50}(?:attente|bloque|frais|held|fee|confirm)|\b(?:compte|account)\b.{0,25}(?:bloque|suspendu|suspended|locked)|\bcoordonnees bancaires\b.{0,30}(?:mettre a jour|confirm|verif)|\b(?:mettre a jour|verifiez|confirmez) (?:vos|tes) (?:informations|coordonnees|donnees)|\bcpf\b.{0,40}(?:expire|perdu|droits|solde|euros|€)|\bamende (?:impayee|majoree)\b|\bremboursement (?:ameli|impots|caf)\b|\bverify your account\b", True),
    ("limited offer", r"\bplaces limitees\b|\boffre (?:limitee|exceptionnelle)\b|\bpromo\w* exceptionnelle|\bprofitez[- ]en\b|\bne ratez pas\b|\blimited (?:offer|time)\b|\bact now\b|\bdon'?t miss\b|\d+\s?(?:€|\$|£) seulement\b|\bonly (?:€|\$|£)\d+|\bl'etat (?:paie|finance) tout\b", False),
    ("loan / fraud", r"\bpret entre particuliers\b|\bsans frais\b.{0,30}\btaux\b|\bno credit check\b|\bmarabout\b|\bvoyant\w*\b|\bretour de l'etre aime\b|\bfaux billets\b|\bcannabis\b|\blivraison discrete\b|\bdiscreet delivery\b|\bsans ordonnance\b|\bno prescription\b|\bdropshipping\b|\bdevenir riche\b|\bget rich\b|\bmethode secrete\b|\bsecret trick\b|\b(?:medecins|doctors) (?:la |le )?(?:detestent|hate)\b|\b(?:perdre|lose) \d+\s?kg\b|\b(?:transforme|turned) [$€£]?\d+\s?[$€£]? (?:en|into) [$€£]?\d+|\brendement de \d+|\bsans risque\b.{0,30}\brendement|\brisk[- ]free\b|\bgagn\w* (?:de l'argent|facilement)|\b(?:make|earn) (?:easy )?money\b|\btoken\b.{0,30}\bx\d+|\bfemme seule qui cherche\b", True),
    ("prize", r"\btirage au sort\b|\bheureux gagnant\b|\blucky winner\b|\brepondez oui\b|\ben partageant cette publication\b|\bpartagez pour gagner\b|\bshare (?:this|to win)\b", True),
    ("phishing", r"\bvous avez droit a un remboursement\b|\btax refund\b|\bregularisez\b|\breglez[- ]la immediatement\b|\b(?:payez|pay)\b.{0,30}\b(?:ici|here)\b|\b[a-z0-9]+(?:-[a-z0-9]+)*-(?:paiement|secure|verif\w*|rembours\w*|regul\w*|gratuit|free|win|gagnant|cadeau|promo|bonus|droits)(?:-[a-z0-9]+)*\.(?:com|net|info|xyz|top|site|online|shop|biz|fr)\b", True),
    ("adult / gambling", r"\bviagra\b|\bcasino\b|\bparis sportifs\b|\bonlyfans\b|\bsugar daddy\b|\brencontres? (?:coquines?|sexy|chaudes?)\b|\bhot singles\b|\bxxx\b", True),
    ("followers", r"\bfollow back\b|\babonne[- ]?toi\b|\babonnez[- ]?vous a (?:ma|mon)\b|\b(?:gagner|acheter|achetez|buy|get) (?:des )?(?:\d+ )?(?:abonnes|followers|likes)\b", True),
]

# --- insults and hate ------------------------------------------------------------------------
_INSULT = (
    r"\b(?:connard\w*|connasse\w*|conne?s?|abruti\w*|cretin\w*|debiles?|idiot\w*|imbeciles?|salop\w*|putes?|encule\w*|enfoire\w*|batard\w*|fdp|ntm|nique (?:ta|sa|vos|votre) (?:mere|race)|fils de (?:pute|chien)|ta gueule|fermez? (?:ta|votre|vos) gueules?|va te faire|allez (?:vous|vs) faire|grosses? merdes?|tas de merde|pd|tarlouze\w*|pedale|gogol\w*|mongol\w*|attarde\w*|bouffon\w*|raclure\w*|ordures?|pourritures?|vermines?|sous-merdes?|bande de merdes?|cafards?|negres?|bougnoul\w*|youpin\w*|bicots?|ratons?|chinetoque\w*|rentrez chez vous|morons?|stupid|dumb\w*|retarded|retards|bitch\w*|asshole\w*|bastards?|cunts?|dickheads?|fuck (?:you|off|u)|f\*ck you|stfu|shut up|scum\w*|losers?|piece of shit|twats?|wankers?|sluts?|whores?|faggots?|niggers?|go back to (?:your|where)|subhumans?|parasites?|tocards?|glandeurs?|feignass\w*|feignants?|va chier|j'?emmerde (?:la|le|les|vous|tous|toi)|(?:mairie|ville|maire|employes|services?|elus?|page|equipe) de merde|gros porc|grosse vache|pauvre (?:type|con|conne|cloche|idiot)|pigs?|degenerates?|degeneres?|macaques?)\b"
    r"|\b(?:les|ces|des) (?:noirs|arabes|juifs|musulmans|africains|roms|gitans|migrants|etrangers|immigres|"
    r"gens du voyage|homosexuels|gays|pedes|handicapes|femmes|vieux|chinois|asiatiques)\b.{0,20}\b(?:sont (?:tous |toutes )?"
    r"des (?:voleurs|delinquants|parasites|rats|sauvages|animaux|criminels|terroristes|profiteurs)|ne savent pas|"
    r"font baisser|coutent trop|controlent|ne sont pas (?:des )?vrais|devraient (?:crever|degager|partir|etre (?:enfermes|expulses)))"
    r"|\b(?:immigrants|muslims|jews|blacks|gays|gypsies|disabled people|women|foreigners|migrants)\b.{0,15}"
    r"\b(?:are (?:all )?(?:thieves|criminals|parasites|vermin|animals|a drain|degenerates)|aren'?t real|can'?t (?:manage|be trusted))"
)


# --- sentiment lexicons (features only: the heads weigh them against the rest) ------------------
_POSITIVE = _rx(r"\b(?:merci\w*|mci|bravo|super|genial\w*|top|magnifique\w*|felicit\w*|ravie?s?|ador\w*|"
                r"excellent\w*|formidable\w*|chapeau|parfait\w*|impeccable\w*|superbe\w*|tres bien|belle|"
                r"beau|joli\w*|agreable\w*|contente?s?|satisfaite?s?|plaisir|chouette|extra|fiere?s?|"
                r"remerci\w*|appreci\w*|regale\w*|reussi\w*|thanks?|thx|thank you|great|gr8|lov(?:e|ed|ely)|"
                r"amazing|well done|brilliant|beautiful|gorgeous|impressed|fantastic|wonderful|perfect|"
                r"helpful|happy|pleased|good job|congratulations|cheers|nice|kind)\b|[😍👏🙏❤👍🥰✨💪😊👌]")
_NEGATIVE = _rx(r"\b(?:honte\w*|scandal\w*|inadmissible|inacceptable|degout\w*|nuls?|nulles?|pire|marre|"
                r"ras-le-bol|insupportable|catastroph\w*|decue?s?|mecontent\w*|inutile\w*|incompeten\w*|"
                r"n'importe quoi|toujours rien|personne ne|aucune?|jamais|probleme\w*|panne|casse\w*|sale|"
                r"bruit\w*|dangereu\w*|peur|impossible|retarded|retards|honteu\w*|colere|furieu\w*|lamentable|"
                r"dommage|helas|enerv\w*|fatigue\w*|disgrace\w*|disgusting|terrible|awful|worst|useless|"
                r"broken|nobody|no one|unacceptable|ridiculous|annoy\w*|angry|fed up|shame\w*|dangerous|"
                r"scared|problem\w*|appalling|pathetic|rubbish|sick of)\b|[😡🤬👎😤😠🙄😢💔😱]")


def _compile(rules):
    return [(label, _rx(p), strong) for label, p, strong in rules]


_EMERGENCY_RX = _compile(_EMERGENCY)
_SELF_HARM_RX = _compile(_SELF_HARM)
_THREAT_RX = _compile(_THREAT)
_SPAM_RX = _compile(_SPAM)
_HIGH_RX = [(label, _rx(p)) for label, p in _HIGH]
_PERSONAL_RX = [(label, _rx(p)) for label, p in _PERSONAL]
_INSULT_RX = _rx(_INSULT)
_DANGER_RX = _rx(_DANGER)
_DIGIT = re.compile(r"\d")

# Every pattern run over the whole folded text, in one Hyperscan pass (prefilter.py): only the
# ones it reports are run by `re`. 0.27 -> 0.05 ms per message for the cues (docs/performance.md).
PREFILTER = Prefilter(
    [rx for table in (_EMERGENCY_RX, _SELF_HARM_RX, _THREAT_RX, _SPAM_RX) for _, rx, _ in table]
    + [rx for _, rx in _HIGH_RX] + [rx for _, rx in _PERSONAL_RX]
    + [_INSULT_RX, _DANGER_RX, _NOT_NOW, _POSITIVE, _NEGATIVE])


def _quote(text: str, src: list[int], m: re.Match) -> str:
    if m.end() <= m.start():
        return ""
    return text[src[m.start()]:src[m.end() - 1] + 1].strip()


def scan(text: str) -> list[Cue]:
    """All cues found in text, in a stable order (by kind, then position)."""
    folded, src = fold_with_map(text)
    may = PREFILTER.candidates(folded)  # None: run every pattern
    cues: list[Cue] = []
    not_now = (may is None or _NOT_NOW in may) and bool(_NOT_NOW.search(folded))
    for kind, table in (("emergency", _EMERGENCY_RX), ("self_harm", _SELF_HARM_RX),
                        ("threat", _THREAT_RX)):
        for label, rx, strong in table:
            if may is not None and rx not in may:
                continue
            for m in rx.finditer(folded):
                window = folded[max(0, m.start() - 15):m.end() + 30]
                if label == "fire" and _FIRE_FALSE.search(window):
                    continue
                weak = kind == "emergency" and not_now
                cues.append(Cue(kind, label, _quote(text, src, m), strong and not weak))
    if may is None or _DANGER_RX in may:
        for m in _DANGER_RX.finditer(folded):
            cues.append(Cue("emergency", "danger word", _quote(text, src, m), False))
    for label, rx in _HIGH_RX:
        if may is not None and rx not in may:
            continue
        for m in rx.finditer(folded):
            cues.append(Cue("high", label, _quote(text, src, m)))
    seen_spans: list[tuple[int, int]] = []
    for label, rx in _PERSONAL_RX:
        if may is not None and rx not in may:
            continue
        for m in rx.finditer(folded):
            if label == "bank account (IBAN)" and len(_DIGIT.findall(m.group())) < 10:
                continue
            if label == "phone number" and not 8 <= len(_DIGIT.findall(m.group())) <= 15:
                continue
            if any(s <= m.start() < e for s, e in seen_spans):
                continue
            seen_spans.append((m.start(), m.end()))
            cues.append(Cue("personal_data", label, ""))
    for label, rx, strong in _SPAM_RX:
        if may is not None and rx not in may:
            continue
        for m in rx.finditer(folded):
            cues.append(Cue("spam", label, _quote(text, src, m), strong))
    if may is None or _INSULT_RX in may:
        for m in _INSULT_RX.finditer(folded):
            cues.append(Cue("insult", "insult or hate term", _quote(text, src, m)))
    return _dedupe(cues)


def _dedupe(cues: list[Cue]) -> list[Cue]:
    seen = set()
    out = []
    for c in cues:
        key = (c.kind, c.label, c.quote.lower())
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


# Features given to the heads. The rule *decisions* (DECISION_FEATURES) only feed the sentiment
# head: the urgency and flag heads are trained without them (training.py masks them) so that they
# learn from the text itself and still catch what the rules miss; rules and heads are combined
# afterwards by the policy in __init__.py.
DECISION_FEATURES = ("emergency_strong", "emergency_weak", "self_harm", "threat", "personal_data",
                     "spam_strong", "spam_weak", "insult")
FEATURE_NAMES = DECISION_FEATURES + ("high", "question", "exclamation", "caps", "positive_lexicon",
                                     "negative_lexicon", "danger_words")


def features(text: str, cues: list[Cue]) -> list[float]:
    """Small dense rule features appended to the embedding for the heads."""
    folded = fold(text)
    may = PREFILTER.candidates(folded)
    kinds = {(c.kind, c.strong) for c in cues}
    emergency_strong = ("emergency", True) in kinds
    letters = [c for c in text if c.isalpha()]
    caps = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 8 else 0.0
    return [
        float(emergency_strong),
        float(("emergency", False) in kinds and not emergency_strong),
        float(any(k == "self_harm" for k, _ in kinds)),
        float(any(k == "threat" for k, _ in kinds)),
        float(any(k == "personal_data" for k, _ in kinds)),
        float(("spam", True) in kinds),
        float(("spam", False) in kinds),
        float(any(k == "insult" for k, _ in kinds)),
        float(any(c.kind == "high" for c in cues)),
        float("?" in text),
        float("!" in text),
        float(caps > 0.6),
        min(_count(_POSITIVE, folded, may), 3) / 3.0,
        min(_count(_NEGATIVE, folded, may), 3) / 3.0,
        min(sum(c.label == "danger word" for c in cues), 3) / 3.0,
    ]


def _count(rx: re.Pattern, folded: str, may) -> int:
    return len(rx.findall(folded)) if may is None or rx in may else 0

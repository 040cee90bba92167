"""The detectors behind the pre-publication checks: each returns the spans of ``text`` it objects to.

They work without any language model: patterns on the folded text (lowercase, no accents, same
positions as the original), word lists, and the context of a capitalised word (a street name is not a
person's name). Every pattern is written for French alerts as residents write them.
"""

from __future__ import annotations

import re

from alerts._text import Token, first_names, fold, surnames, tokens

Span = tuple[int, int]


def _spans(patterns: list[re.Pattern[str]], folded: str) -> list[Span]:
    return [(m.start(), m.end()) for p in patterns for m in p.finditer(folded)]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# ------------------------------------------------------------------ emergency / crime in progress
_NOW = (
    r"(?:en ce moment|actuellement|maintenant|a l'instant|en direct|encore la|toujours la|toujours sur place|"
    r"ici meme)"
)
_ACT_PRESENT = (
    r"(?:cambriol(?:e|ent)|forc(?:e|ent)|fractur(?:e|ent)|agress(?:e|ent)|frapp(?:e|ent)|cass(?:e|ent)|"
    r"defonc(?:e|ent)|escalad(?:e|ent)|rod(?:e|ent)|fouill(?:e|ent)|siphonn(?:e|ent)|tabass(?:e|ent)|"
    r"se battent|menac(?:e|ent)|vandalis(?:e|ent)|crochet(?:e|ent)|braqu(?:e|ent)|"
    r"(?:est|sont) (?:dans|chez|sur le toit|dans le jardin)|entr(?:e|ent) (?:chez|dans))"
)
_INFINITIVE = (
    r"(?:cambrioler|forcer|fracturer|voler|casser|agresser|frapper|escalader|fouiller|rentrer|entrer|defoncer|"
    r"siphonner|demonter|degrader|bruler|mettre le feu|se battre|tabasser|menacer|roder|vandaliser|crocheter|"
    r"braquer|percer|arracher|ouvrir les voitures|ouvrir les portieres)"
)
EMERGENCY = [
    _rx(rf"\b{_NOW}\b[^.!?\n]{{0,60}}\b{_ACT_PRESENT}\b"),
    _rx(rf"\b{_ACT_PRESENT}\b[^.!?\n]{{0,60}}\b{_NOW}\b"),
    _rx(rf"(?<!etait )(?<!etaient )(?<!etais )\ben train de {_INFINITIVE}\b"),
    _rx(r"\bau secours\b"),
    _rx(r"(?<!appel )(?<!demande )\ba l'aide\b(?!\s*(?:de|d'|du|des|pour|a|aux)\b)"),
    _rx(r"\b(?:cambriolage|vol|agression|effraction|bagarre|rixe|incendie|violences?|intrusion) (?:est )?en cours\b"),
    _rx(r"\bne (?:respire|repond|reagit|bouge) plus\b"),
    _rx(r"\b(?:est |suis )?inconsciente?\b"),
    _rx(r"\bsaign(?:e|ent) (?:beaucoup|abondamment|de la tete|du nez)\b"),
    _rx(r"(?<!a )(?<!avait )\bfait un malaise\b"),
    _rx(r"\bne (?:peut|parvient|arrive|peux) (?:pas |plus )?(?:a )?se relever\b"),
    _rx(r"\b(?:au feu|en feu|prend feu|prennent feu|depart de feu|(?:fuite|odeur) de gaz)\b"),
    _rx(r"\bil y a (?:un )?(?:incendie|feu)\b"),
    _rx(r"\bfumee (?:noire )?(?:qui )?(?:sort|sortent|s'echappe|s'echappent)\b"),
    _rx(
        r"\bje (?:vois|les vois|le vois) (?:quelqu'un|une lampe|des lampes|une lumiere|des lumieres|des ombres|"
        r"une ombre|des gens|des individus|un individu|un homme|deux hommes|des hommes)\b"
    ),
    _rx(r"(?<!l')\b(?:armes?|armee?s?|couteaux?|pistolets?|fusils?|machettes?|revolvers?|coups? de feu)\b"),
    _rx(
        r"\b(?:il|elle|ils|elles|on|quelqu'un) (?:me|nous) (?:frappe|frappent|menace|menacent|suit|suivent|agresse|"
        r"agressent|vole|volent|cambriole|cambriolent|braque|braquent|arrache|arrachent)\b"
    ),
    _rx(r"\bse (?:fait|font) (?:agresser|frapper|tabasser|braquer|enlever|attaquer)\b"),
    _rx(
        r"\bil y a (?:quelqu'un|du monde|des gens|des individus|un individu|un homme|deux hommes|des hommes|"
        r"des personnes|une personne|deux individus|trois individus) (?:dans|chez|sur le toit|dans le jardin)\b"
    ),
    _rx(r"\bj'entends (?:quelqu'un|des (?:bruits|voix|coups|cris)|du bruit|crier)\b"),
    _rx(
        r"\b(?:essaie|essaye|essaient|essayent|tente|tentent) (?:d'ouvrir ma|d'ouvrir notre|d'entrer chez|"
        r"de rentrer chez|de forcer ma|de forcer notre|de forcer la porte de chez)\b"
    ),
    _rx(r"\b(?:quelqu'un|un individu|un homme|des individus) (?:essaie|essaye|essaient|tente|tentent) d"),
    _rx(r"\b(?:enleve|enlevement|kidnapp\w*|sequestr\w*)\b"),
    _rx(r"\burgence\b|\burgent\s*!"),
]


def emergency(text: str) -> list[Span]:
    """Wording of a crime in progress or of an emergency (a danger now: call 17, 18, 15 or 112)."""
    return _spans(EMERGENCY, fold(text))


# ------------------------------------------------------------------ contact details
_PHONE = re.compile(r"(?<![\d])(?:(?:\+|00)\s?33[\s.-]?(?:\(0\)[\s.-]?)?[1-9]|0[1-9])(?:[\s.-]?\d{2}){4}(?![\d])")
_EMAIL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.+-]+\s?(?:\(at\)|\[at\]|\(arobase\)| arobase )\s?[\w-]+(?:\.[\w-]+)+"
)


def phone(text: str) -> list[Span]:
    """French phone numbers (0X XX XX XX XX, +33 X XX…, with spaces, dots, dashes or nothing)."""
    return [(m.start(), m.end()) for m in _PHONE.finditer(text)]


def email(text: str) -> list[Span]:
    """E-mail addresses, including the ``nom (at) domaine.fr`` disguise."""
    return [(m.start(), m.end()) for m in _EMAIL.finditer(text)]


# ------------------------------------------------------------------ licence plates
_L = r"[A-HJ-NP-TV-Z]"  # SIV letters: no I, O, U
_SIV_CAPS = re.compile(rf"(?<![\w-]){_L}{{2}}[- ]?\d{{3}}[- ]?{_L}{{2}}(?![\w-])")
_SIV_ANY = re.compile(r"(?<![\w-])([a-zA-Z]{2})([- ]?)\d{3}\2([a-zA-Z]{2})(?![\w-])")
# "au 123 de la rue": two-letter French words around a number are not a plate when written with spaces.
_SHORT_WORDS = {
    "au", "du", "le", "la", "de", "en", "et", "ou", "un", "on", "ma", "sa", "ta", "vu", "il", "je", "tu", "ce",
    "se", "ne", "me", "te", "mm", "km", "cm", "kg", "ns", "vs", "nos", "os", "es", "as", "us", "ni", "si",
}  # fmt: skip
_FNI = re.compile(r"(?<![\w-])(\d{1,4})[- ]?([A-Z]{1,3})[- ]?(\d{2}|2A|2B|97[1-6])(?![\w-])")
_NOT_FNI_LETTERS = {"H", "KM", "M", "MN", "MIN", "AM", "PM", "RN", "RD", "CM", "KG", "N", "A", "D", "ET", "AU", "DU"}
_PLATE_WORD = re.compile(
    r"\b(?:plaques?|immatricul\w*|immat)\b[^.!?\n]{0,30}?(?<![\w-])((?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)",
    re.IGNORECASE,
)


def plate(text: str) -> list[Span]:
    """French licence plates: SIV (AA-123-AA) and the older FNI (1234 AB 56), with or without separators,
    and a partial plate written after "plaque" or "immatriculé"."""
    out = [(m.start(), m.end()) for m in _SIV_CAPS.finditer(text)]
    for m in _SIV_ANY.finditer(text):
        spaced = m.group(2) == " "
        if not spaced or not ({m.group(1).lower(), m.group(3).lower()} & _SHORT_WORDS):
            out.append((m.start(), m.end()))
    for m in _FNI.finditer(text):
        if m.group(2) not in _NOT_FNI_LETTERS:
            out.append((m.start(), m.end()))
    for m in _PLATE_WORD.finditer(text):
        token = m.group(1)
        digits = sum(c.isdigit() for c in token)
        # "immatriculée dans le 91", "plaque 2 fois" are not plates; a letter-and-digit code is.
        if digits and len(token) >= 3 and any(c.isupper() for c in token) and not token.lower().endswith("h"):
            out.append((m.start(1), m.end(1)))
    return out


# ------------------------------------------------------------------ ethnic or religious descriptors
_PERSON = (
    r"(?:hommes?|femmes?|individus?|types?|mecs?|gars|garcons?|filles?|jeunes?|personnes?|ados?|adolescents?|"
    r"adolescentes?|gamins?|enfants?|monsieur|messieurs|dames?|couples?|groupes?|bandes?|demarcheurs?|"
    r"demarcheuses?|conducteurs?|conductrices?|passagers?|occupants?|suspects?|vendeurs?|vendeuses?|voleurs?)"
)
_BUILD = (
    r"(?: (?:grands?|grandes?|petits?|petites?|jeunes?|costauds?|minces?|agee?s?|chauves?|corpulents?|gros|"
    r"grosses?|maigres?|tres))?"
)
_ETHNIC = (
    r"(?:noire?s?|blanc|blancs|blanches?|blacks?|beurs?|rebeus?|renois?|arabes?|maghrebin(?:e|s|es)?|"
    r"nord-africain(?:e|s|es)?|africain(?:e|s|es)?|asiatiques?|chinois(?:es?)?|roumain(?:e|s|es)?|"
    r"albanais(?:es?)?|gitan(?:e|s|es)?|tziganes?|roms?|manouches?|bohemien(?:ne|s|nes)?|turcs?|turques?|"
    r"polonais(?:es?)?|antillais(?:es?)?|metisse?s?|basanee?s?|typee?s?|bronzee?s?|musulman(?:e|s|es)?|juif|juifs|"
    r"juives?|islamistes?|salafistes?|voilee?s?|catholiques?|chretien(?:ne|s|nes)?|caucasien(?:ne|s|nes)?|"
    r"europeen(?:ne|s|nes)?|orienta(?:l|le|ux|les)|mediterraneen(?:ne|s|nes)?|slaves?|de l'est|des pays de l'est|"
    r"etrangere?s?|sans-papiers|clandestin(?:e|s|es)?|de couleur)"
)
_NOUN_ETHNIC = (
    r"(?:noirs?|noires|blacks?|beurs?|rebeus?|renois?|arabes?|maghrebin(?:e|s|es)?|gitan(?:e|s|es)?|roms|"
    r"roumain(?:e|s|es)?|albanais|musulman(?:e|s|es)?|juifs?|juives?|tziganes?|manouches?|bohemien(?:ne|s|nes)?|"
    r"asiatiques?|africain(?:e|s|es)?|migrants?|etrangers|sans-papiers|clandestins?|barbus?|voilees?|"
    r"chinois(?:es?)?|turcs?|turques?|albanaises?|polonais(?:es?)?|metisses?|gitan(?:e|s|es)?)"
)
DESCRIPTOR = [
    _rx(rf"\b{_PERSON}{_BUILD} {_ETHNIC}\b"),
    _rx(rf"\bde type (?:{_ETHNIC}|[a-z-]+ (?:africain|europeen|asiatique|maghrebin)\w*)"),
    _rx(
        rf"\b(?:un|une|des|les|deux|trois|quatre|ces|quelques|plusieurs|d'autres)"
        rf"(?: (?:grand|grande|grands|petit|petite|petits|jeune|jeunes|vieux|vieille|gros|grosse))? {_NOUN_ETHNIC}\b"
    ),
    _rx(
        r"\bd'origine (?!inconnue|indeterminee|criminelle|accidentelle|electrique|humaine|animale|"
        r"non |suspecte)[a-z-]+"
    ),
    _rx(r"\bgens du voyage\b"),
    _rx(r"\b(?:peau|teint) (?:noire|blanche|mate|matte|fonce|foncee|claire|bronzee|basanee|mat)\b"),
    _rx(r"\bcouleur de peau\b"),
    _rx(
        r"\b(?:accent|langue) (?:etranger|etrangere|de l'est|des pays de l'est|africain|arabe|maghrebin|roumain|"
        r"slave|asiatique|gitan)\b"
    ),
    _rx(
        r"\bparl(?:ait|aient|ent|e) (?:en )?(?:arabe|roumain|une langue etrangere|une langue de l'est|africain|"
        r"albanais|turc|polonais|russe|chinois|gitan|manouche)\b"
    ),
    _rx(r"\b(?:djellaba|qamis|burqa|niqab|kippa|kippah|boubou|foulard islamique|tchador)\b"),
    _rx(r"\b(?:portant|porte|portait|avec) (?:un |le )?voile\b"),
]


def descriptor(text: str) -> list[Span]:
    """Ethnic, national-origin, skin-colour or religious descriptions of people."""
    return _spans(DESCRIPTOR, fold(text))


# ------------------------------------------------------------------ accusations
_PEOPLE_CULPRIT = (
    r"(?:lui|elle|eux|elles|les memes|ceux|celui|celle|les jeunes|le voisin|la voisine|les voisins|le fils|"
    r"la fille|le gamin|les gamins|le locataire|les locataires|le gars|les gars|le type|les types|ces gens|"
    r"cette famille|cette bande|la bande)"
)
_SURE = r"(?:encore |surement |forcement |certainement |evidemment |toujours |sans doute |bien |comme par hasard )?"
_CULPRIT_NOUN = (
    r"(?:voisins?|voisines?|locataires?|fils|filles?|gamins?|jeunes|types?|gars|mecs?|livreurs?|facteur|ouvriers?|"
    r"famille|bande|proprietaires?|occupants?|squatteurs?)"
)
ACCUSATION = [
    _rx(rf"\bc'est {_SURE}{_PEOPLE_CULPRIT}\b(?! de la mairie)"),
    _rx(rf"\b(?:c'est|ce sont) {_SURE}(?:le|la|les|ce|cette|ces|mon|ma|mes|notre|nos) (?:[a-z-]+ )?{_CULPRIT_NOUN}\b"),
    _rx(rf"\bc'etait {_SURE}{_PEOPLE_CULPRIT} qui\b"),
    _rx(rf"\bce sont {_SURE}(?:eux|elles|les memes|ceux|les jeunes|les gens|les voisins|les gamins|les gars)\b"),
    _rx(
        r"\b(?:je suis (?:sure?|certaine?|persuadee?|convaincue?)|je sais|on sait(?: tous| toutes)?|"
        r"tout le monde sait|j'en suis sure?|je parie|on connait) (?:que c'est|que ce sont|qui c'est|qui a fait|"
        r"que c'etait|qui|le coupable|les coupables)\b"
    ),
    _rx(r"\b(?:le|la|les) coupables? (?:est|sont|c'est|ce sont|habite|habitent|vit|vivent|se trouve|traine)\b"),
    _rx(r"\b(?:encore|toujours) (?:lui|eux|elle|les memes)\b"),
    _rx(r"\b(?:je|on|nous) (?:soupconne|soupconnons|accuse|accusons|suspecte|suspectons)\b"),
    _rx(
        r"\b(?:racailles?|voyous?|delinquants?|dealers?|dealeurs?|toxicos?|drogues|squatteurs?|cassos|"
        r"cas sociaux|clochards?|vauriens?|petites? frappes?)\b"
    ),
    _rx(
        r"\b(?:les|des|ces) (?:jeunes|gamins|gosses|ados|gens|types|mecs|habitants|occupants|residents) "
        r"(?:du|de la|des|de l'|d'en face|d'a cote|de chez) ?(?:cite|camp|campement|foyer|hlm|squat|"
        r"aire d'accueil|terrain|caravanes?|centre d'accueil|barres?|tours?)\b"
    ),
    _rx(r"\b(?:il|elle|ils|elles) (?:deal(?:ent)?|trafiqu(?:e|ent)|vend(?:ent)? de la drogue)\b"),
    _rx(r"\bqui (?:a|ont) (?:fait le coup|fait ca|vole|cambriole|casse)\b.{0,40}\b(?:c'est|je sais|on sait)\b"),
]


def accusation(text: str) -> list[Span]:
    """Accusing a person or a group (designating a culprit) rather than describing facts."""
    return _spans(ACCUSATION, fold(text))


# ------------------------------------------------------------------ names of people
_TITLES = {"m", "mr", "mme", "mlle", "melle", "monsieur", "madame", "mademoiselle", "dr", "docteur", "me", "pr"}
_FUNCTIONS = {
    "le", "la", "les", "l", "du", "de", "des", "maire", "adjoint", "adjointe", "prefet", "prefete", "commandant",
    "capitaine", "directeur", "directrice", "president", "presidente", "conseiller", "conseillere", "depute",
    "deputee", "senateur", "cure", "abbe", "et", "ou",
}  # fmt: skip
_PLACE_WORDS = {
    "rue", "avenue", "av", "ave", "bd", "boulevard", "bvd", "place", "pl", "allee", "allees", "impasse", "imp",
    "chemin", "ch", "chem", "route", "rte", "square", "sq", "quai", "cours", "sentier", "passage", "residence",
    "res", "lotissement", "lot", "cite", "hameau", "lieu-dit", "lieudit", "clos", "parc", "jardin", "jardins",
    "stade", "gymnase", "ecole", "college", "lycee", "salle", "centre", "espace", "pont", "gare", "eglise",
    "chapelle", "rond-point", "carrefour", "parking", "mail", "promenade", "esplanade", "villa", "domaine",
    "ferme", "moulin", "bois", "foret", "ruelle", "voie", "zone", "za", "zi", "rn", "rd", "hopital", "clinique",
    "bibliotheque", "mediatheque", "piscine", "complexe", "terrain", "groupe", "scolaire", "maternelle",
    "primaire", "creche", "halte", "arret", "station", "cimetiere", "vallee", "coteau", "coteaux",
    "sente", "venelle", "traverse", "lavoir", "chateau", "mairie", "quartier", "faubourg", "hotel",
    "foyer", "maison", "ehpad", "rpa", "supermarche", "magasin", "pharmacie", "boulangerie", "cabinet",
    "association", "club", "fondation", "institut", "musee", "theatre", "cinema", "auberge", "restaurant",
    "cafe", "bar", "tabac", "garage", "camping", "port", "ile", "lac", "etang", "riviere", "canal",
}  # fmt: skip
_PLACE_PREFIX = {"saint", "sainte", "st", "ste", "sur", "les", "lez", "en", "sous", "le", "la"}
# Words that may sit between a place word and the name it carries: "rue du Général Leclerc", "place du 8 Mai".
_BRIDGE = {
    "de", "du", "des", "d", "la", "le", "l", "les", "general", "marechal", "president", "docteur", "abbe",
    "colonel", "commandant", "capitaine", "lieutenant", "pere", "professeur", "sergent", "amiral", "presidente",
    "mai", "juin", "juillet", "aout", "novembre", "mars", "avril", "fevrier", "septembre", "octobre", "decembre",
    "janvier", "et", "freres", "soeurs", "marie", "saint", "sainte", "jean", "pierre", "victor", "jules",
}  # fmt: skip
_CONNECTORS = {"de", "du", "d", "des", "le", "la", "van", "von", "ben", "el", "al", "da", "dos", "di"}

_KINSHIP = _rx(
    r"\b(?:le|la|les|son|sa|ses|leur|leurs) (?:fils|filles?|femme|mari|freres?|soeurs?|sœurs?|neveux?|nieces?|"
    r"cousins?|cousines?|petit-fils|petite-fille|petits-enfants|gendre|belle-fille|beau-fils|copain|copine|"
    r"compagnon|compagne|enfants?|gamins?|gosses?|ados?|momes?|ex|beau-frere|belle-soeur|belle-sœur|belle-mere|"
    r"beau-pere|petit ami|petite amie|oncle|tante|grand-mere|grand-pere) (?:de|du|des|d') ?"
    r"(?:(?:la|l'|ma|mon|mes|sa|son|ses|notre|nos|leur|leurs|ce|cette|ces) ?)?[\w-]+"
)
_BY_ADDRESS = _rx(
    r"\b(?:le|la|les|ceux|celui|celle|celles) (?:(?:voisins?|voisines?|locataires?|occupants?|habitants?|"
    r"proprietaires?|gens|jeunes?|famille|gamins?|types?|mecs?|gars) )?(?:du|d'en face du|au) "
    r"(?:n°\s?|no\s?|numero\s)?\d+\b"
)
_LIVES_AT = _rx(r"\bqui (?:habite|habitent|vit|vivent|loge|logent) (?:au \d|au numero|en face|juste a cote|a cote de)")
_FAMILY = re.compile(r"\b(?:[Ff]amille|[Cc]hez les|[Ll]es frères|[Ll]es sœurs|[Ll]es soeurs)\s+([A-Z][\w-]+)")


def _is_place_context(toks: list[Token], i: int) -> bool:
    """Whether the capitalised run starting at token ``i`` follows a place word (rue, école, Saint-…)."""
    j = i - 1
    steps = 0
    while j >= 0 and steps < 4:
        word = toks[j].folded
        if word in _PLACE_WORDS:
            return True
        if word in _BRIDGE or word.isdigit():
            j -= 1
            steps += 1
            continue
        return False
    return False


def _parts(word: str) -> list[str]:
    return [p for p in word.split("-") if p]


def _is_place_token(folded: str) -> bool:
    parts = _parts(folded)
    return len(parts) > 1 and any(p in _PLACE_PREFIX for p in parts)


def _looks_like_a_name(
    tok: Token, run_length: int, plain_first: frozenset[str], ambiguous_first: frozenset[str], family: frozenset[str]
) -> bool:
    """A capitalised word is a name when it is a first name, an ambiguous first name next to another
    capitalised word, or a surname not opening a sentence."""
    f = tok.folded
    parts = _parts(f)
    if f in plain_first or (len(parts) > 1 and all(p in plain_first | ambiguous_first for p in parts)):
        return True
    if f in ambiguous_first and run_length > 1:
        return True
    return f in family and (not tok.sentence_start or run_length > 1) and not tok.all_caps


def names(text: str) -> list[Span]:
    """Names of people, and designations of one person (by family tie or by house number).

    Without a language model: titles (M., Mme, monsieur…) followed by a name; capitalised words that are
    frequent first names or surnames; "la famille X", "chez les X"; "le fils de …", "les voisins du 12".
    Capitalised words after a place word ("rue Victor Hugo", "école Jules Ferry", "Saint-Pierre") are
    place names and are left alone.
    """
    plain_first, ambiguous_first = first_names()
    family_names = surnames()
    toks = tokens(text)
    out: list[Span] = []

    # Runs of capitalised words (with connectors between them): "Jean-Pierre Martin", "Kevin de la Tour".
    i = 0
    while i < len(toks):
        t = toks[i]
        if not t.capitalised or t.folded in _TITLES or (t.all_caps and len(t.text) <= 3):
            i += 1
            continue
        j = i
        while j + 1 < len(toks):
            nxt = toks[j + 1]
            if nxt.sentence_start:
                break
            if nxt.capitalised and nxt.folded not in _TITLES:
                j += 1
                continue
            if (
                nxt.folded in _CONNECTORS
                and j + 2 < len(toks)
                and toks[j + 2].capitalised
                and not toks[j + 2].sentence_start
            ):
                j += 2
                continue
            break
        run = [x for x in toks[i : j + 1] if x.capitalised]
        is_place = _is_place_context(toks, i) or any(_is_place_token(x.folded) for x in run)
        if not is_place and any(
            _looks_like_a_name(x, len(run), plain_first, ambiguous_first, family_names) for x in run
        ):
            out.append((toks[i].start, toks[j].end))
        i = j + 1

    # Titles: "M. Dupont", "Mme Martin", "madame durand", but not "Monsieur le Maire".
    for k, t in enumerate(toks[:-1]):
        f = t.folded
        if f not in _TITLES or (f in {"me", "m", "pr", "dr"} and not t.capitalised):
            continue
        if _is_place_context(toks, k):
            continue
        nxt = toks[k + 1]
        nf = nxt.folded
        if nf in _FUNCTIONS:
            continue
        if nxt.capitalised or nf in plain_first or nf in family_names:
            end = nxt.end
            m = k + 2
            while m < len(toks) and toks[m].capitalised and not toks[m].sentence_start:
                end = toks[m].end
                m += 1
            out.append((t.start, end))

    # Lowercase first names ("j'ai vu kevin"), never the ambiguous ones.
    for k, t in enumerate(toks):
        if not t.capitalised and t.folded in plain_first and not _is_place_context(toks, k):
            out.append((t.start, t.end))

    folded = fold(text)
    out += [(m.start(), m.end()) for m in _KINSHIP.finditer(folded)]
    out += [(m.start(), m.end()) for m in _BY_ADDRESS.finditer(folded)]
    out += [(m.start(), m.end()) for m in _LIVES_AT.finditer(folded)]
    out += [(m.start(), m.end()) for m in _FAMILY.finditer(text)]
    return out


# ------------------------------------------------------------------ the scheme's three drifts
def _not_negated(folded: str, spans: list[Span]) -> list[Span]:
    """Drop the spans a negation just before turns into advice ("ne faites pas justice vous-même")."""
    negation = re.compile(r"\b(?:ne|n'|pas|jamais|surtout pas|evitez de|eviter de|interdit de|sans)\W*(?:\w+\W+){0,2}$")
    return [(s, e) for s, e in spans if not negation.search(folded[max(0, s - 30) : s])]


_GROUP_ACTION = (
    r"(?:rondes?|patrouilles?|milices?|tours? de garde|gardes? de nuit|equipes? de surveillance|"
    r"groupes? d'autodefense|groupes? de defense|brigades? de voisins|comites? de vigilance)"
)
_ARMED = (
    r"(?:armes|armees?|battes?|barres? de fer|batons?|manches? de pioche|gourdins?|bombes? lacrymogenes?|"
    r"lacrymos?|fusils?|carabines?|tasers?|chiens)"
)
MILITIA = [
    # Organising residents to patrol, guard or "welcome" intruders.
    _rx(
        rf"\b(?:organis\w*|faisons|faites|fait|faire|on fait|on va faire|montons|monter|monte|formons|former|creons|"
        rf"creer|lancons|lancer|proposons|proposer|mettons en place|mettre en place)\b[^.!?\n]{{0,40}}\b{_GROUP_ACTION}"
    ),
    _rx(r"\b(?:patrouill(?:er|ons|ez)|on patrouille|surveillons le quartier|on surveille le quartier)\b"),
    _rx(
        rf"\b(?:avec|munis? de|equipes? de|et) (?:des |nos |les |mes |ses |leurs )?{_ARMED}\b[^.!?\n]{{0,30}}"
        r"\b(?:pour|on va|ils vont|accueillir|recevoir|faire fuir|patrouill|tour)"
    ),
    _rx(r"\bde quoi (?:se|nous|me) defendre\b|\bautodefense\b|\bauto-defense\b|\blegitime defense\b"),
    # Doing justice oneself.
    _rx(r"\b(?:se|nous|me|vous) (?:faire|fassions|fasse|faisons) justice\b|\bfaire justice (?:soi|nous|moi)-memes?\b"),
    _rx(r"\bjustice (?:soi|nous|moi|eux|vous)-memes?\b|\bjustice nous-memes\b"),
    _rx(r"\b(?:a ma|a notre|a leur) (?:maniere|facon|sauce)\b"),
    _rx(r"\b(?:en personne|moi-meme|nous-memes)\b(?=[^.!?\n]{0,40}\b(?:regl|recuper|occup|chercher|trouver|voir))"),
    _rx(
        r"\b(?:regl|recuper|occup|m'occuper|nous occuper)\w*[^.!?\n]{0,40}\b(?:en personne|moi-meme|nous-memes|"
        r"a ma maniere|a notre maniere)\b"
    ),
    # Threats.
    _rx(r"\bregl\w* (?:son|leur|ses|leurs) comptes?\b|\bcompte a regler\b"),
    _rx(
        r"\b(?:il|ils|elle|elles|tu|vous|le prochain|la prochaine|celui|celle) [^.!?\n]{0,40}\b(?:va|vont|vas|allez) "
        r"(?:le |la |les )?(?:regretter|comprendre|prendre cher|passer un sale quart d'heure)\b"
    ),
    _rx(r"\b(?:donner|donne|filer|mettre) une (?:bonne )?(?:lecon|correction|raclee|rouste)\b"),
    _rx(r"\b(?:casser|peter|defoncer|eclater) (?:la gueule|la figure|les jambes|la tete)\b|\bfaire la peau\b"),
    _rx(r"\b(?:seront|sera|serez) (?:bien |tres bien )?(?:recus?|accueillis?)\b"),
    _rx(r"\bqu'(?:ils|il) (?:viennent|vienne|reviennent|revienne|essaient|essaie)\b"),
    _rx(r"\bje (?:le|la|les) (?:retrouverai|trouverai|choperai|aurai|attends|attendrai)\b"),
    _rx(
        r"\bon va (?:les|le|la) (?:attendre|accueillir|cueillir|faire fuir|choper|attraper|coincer|retrouver|"
        r"recevoir|calmer)\b"
    ),
    _rx(r"\bje sais ou (?:il|elle|ils|elles) (?:habite|habitent|vit|vivent|dort|dorment)\b"),
]
_WEAPON_ONLY = re.compile(r"^(?:armes?|armee?s?|couteaux?|pistolets?|fusils?|machettes?|revolvers?)$")


def militia(text: str) -> list[Span]:
    """Calls to act (patrols, rounds, doing justice oneself), self-defence and threats: the platform informs,
    it never acts in place of the gendarmerie."""
    folded = fold(text)
    return _not_negated(folded, _spans(MILITIA, folded))


def weapon_word(passage: str) -> bool:
    """The emergency finding is only a weapon's name (then, inside a call to act, the call is what matters)."""
    return bool(_WEAPON_ONLY.match(fold(passage.strip())))


_POWERS = (
    r"(?:maire|mairie|municipalite|conseil municipal|majorite|opposition|gouvernement|ministre|president|prefet|"
    r"elus?|etat|gauche|droite|politiques?|justice laxiste)"
)
POLEMIC = [
    # Political opinion.
    _rx(
        r"\b(?:votez|voter|vote|votons) (?:pour|contre|bien|mieux|autrement|utile)\b|\b(?:prochaines?|aux) elections?\b"
    ),
    _rx(rf"\b(?:la faute|faute|resultat|merci) (?:a|au|a la|aux|du|de la|des) (?:politique |)(?:{_POWERS})\b"),
    _rx(r"\bpolitique (?:laxiste|du maire|de la mairie|municipale|du gouvernement|de la ville)\b|\blaxisme\b"),
    _rx(rf"\bhonte (?:a|au|a la|aux) (?:{_POWERS})\b|\bdemission\b|\breveillez-vous\b"),
    _rx(
        rf"\b(?:le|la|les|nos|notre) (?!mairie\b)(?:{_POWERS}) [^.!?\n]{{0,30}}"
        r"\b(?:ne fai\w*|ne font|ne fera\w*|s'en fiche\w*|"
        r"s'en fou\w*|laisse\w* faire|ne s'interesse\w*|incapables?|pour rien|ont desarme|a desarme)\b"
    ),
    _rx(r"\b(?:la gauche|la droite|l'extreme (?:gauche|droite)|les ecolos|les gauchistes|les fachos)\b"),
    # Quarrels between neighbours.
    _rx(r"\b(?:m'|nous |me |les |l')insult\w*\b|\bm'a insulte\b"),
    _rx(r"\bca va mal finir\b|\bse croi(?:t|ent) tout permis\b|\bje n'en peux plus\b|\bj'en ai marre\b"),
    _rx(r"\b(?:fait|font|faire) du (?:bruit|tapage) (?:tous les|toutes les|toute la|chaque|jour et nuit)\b"),
    _rx(r"\blaisse(?:nt)? aboyer\b|\baboie (?:toute la|jour et)\b"),
    _rx(r"\bse gare(?:nt)? (?:devant|sur) (?:mon|ma|notre|nos|chez moi|chez nous)\b"),
    _rx(r"\b(?:conflit|litige|querelle|dispute|embrouille)s? (?:de|entre|avec (?:mon|ma|mes|le|la|les)) ?voisin"),
    _rx(r"\bcette famille\b|\bces gens-la\b|\bne respectent rien\b"),
]


def polemic(text: str) -> list[Span]:
    """Political opinion and quarrels between neighbours: read by a moderator before publication."""
    return _spans(POLEMIC, fold(text))


MUNICIPAL = [
    _rx(r"\bnids?[- ]de[- ]poules?\b"),
    _rx(
        r"\b(?:lampadaires?|reverberes?|eclairage public|eclairage de la rue|luminaires?)\b[^.!?\n]{0,60}"
        r"\b(?:panne|ne fonctionne(?:nt)? (?:plus|pas)|ne marche(?:nt)? (?:plus|pas)|eteints?|clignot\w*|dans le noir|"
        r"grilles?|hs)\b"
    ),
    _rx(
        r"\b(?:poubelles?|ordures|conteneurs?|bacs?|sacs|encombrants|dechets)\b[^.!?\n]{0,60}"
        r"\b(?:(?:pas|jamais) ete (?:ramass|collect|vid)\w*|debord\w*|(?:sont )?pleins|s'accumulent|ramassage|"
        r"collecte)\b"
    ),
    _rx(r"\bdepots? sauvages?\b|\bdecharge sauvage\b"),
    _rx(r"\b(?:ramassage|collecte) (?:des \w+ |du \w+ )?(?:pas fait|n'a pas eu lieu|n'est pas passee?|oublie)\b"),
    _rx(r"\btrous? (?:\w+ )?(?:sur|dans) (?:la chaussee|la route|la rue|le trottoir|le chemin)\b"),
    _rx(
        r"\b(?:trottoirs?|chaussee|route|voirie|rue|chemin)\b[^.!?\n]{0,40}\b(?:defonce\w*|troue\w*|abime\w*|"
        r"a refaire|refaire|degrade\w*|effondre\w*)\b(?![^.!?\n]{0,40}\b(?:volontairement|par des|tag))"
    ),
    _rx(r"\bservices? techniques\b|\bvoirie\b"),
    _rx(r"\b(?:branches?|arbres?) (?:tombee?s?|couchee?s?|en travers)\b"),
    _rx(r"\b(?:fuite d'eau sur la voie|bouche d'egout|plaque d'egout|regard) (?:bouchee?|ouverte?|cassee?|deborde)\b"),
]
# Words of an ordinary security report: with them, a street light or a pothole is part of the story, not a request.
_SECURITY_FACT = _rx(
    r"\b(?:cambriol\w*|vol|vols|vole\w*|voleurs?|effraction|forcee?s?|fractur\w*|agress\w*|suspect\w*|rod\w*|"
    r"intrus\w*|tags?|tague\w*|vandal\w*|arrache\w*|demarch\w*|escroc\w*|arnaque\w*|plainte|gendarm\w*|police)\b"
)


def municipal(text: str) -> list[Span]:
    """Requests that belong to the mairie's own channel (potholes, street lights, rubbish, roads), unless the
    text reports a security fact they are part of."""
    folded = fold(text)
    return [] if _SECURITY_FACT.search(folded) else _spans(MUNICIPAL, folded)

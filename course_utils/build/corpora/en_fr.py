"""English→French sentence pairs where "like" agrees with its subject and "this" with the noun's gender.

Every pair is one clause: subject, verb, object (determiner, optional adjective, noun), sometimes negated.
French needs what attention chapters show: the verb ending follows the subject (j'aime, tu aimes, nous
aimons), the determiner follows the noun's gender and first sound (ce livre, cet arbre, cette maison),
colour adjectives move after the noun and agree (cette voiture verte), and "do not" becomes "ne … pas".
English "you" is always the informal singular "tu"; "you all" is the plural "vous".
The test split holds subject×verb×noun combinations that never occur in training.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

NAME = "en_fr"
N_TRAIN = 5000
N_TEST = 500
HELD_OUT_SHARE = 0.12
# The chapter examples: these combinations must be held out, so a correct answer is generalisation.
HELD_OUT_EXAMPLES = [("you", "like", "house"), ("I", "like", "car"), ("we", "like", "book")]
VOWELS = tuple("aeiouhéèêâôîAEIOUHÉ")

# English subject, French subject, person (1s 2s 3s 1p 2p 3p)
SUBJECTS = [
    ("I", "je", 0),
    ("you", "tu", 1),
    ("he", "il", 2),
    ("she", "elle", 2),
    ("we", "nous", 3),
    ("you all", "vous", 4),
    ("they", "ils", 5),
    ("my friend", "mon ami", 2),
    ("my sister", "ma sœur", 2),
    ("Marie", "Marie", 2),
    ("Paul", "Paul", 2),
    ("the children", "les enfants", 5),
    ("my parents", "mes parents", 5),
]


@dataclass(frozen=True)
class Verb:
    """An English verb, its French present tense by person, and the noun kinds it takes."""

    en: str
    en_3s: str
    fr: tuple[str, str, str, str, str, str]
    takes: frozenset[str]


ANY = frozenset({"thing", "place", "animal", "text", "art", "food"})
VERBS = [
    Verb("like", "likes", ("aime", "aimes", "aime", "aimons", "aimez", "aiment"), ANY),
    Verb("love", "loves", ("adore", "adores", "adore", "adorons", "adorez", "adorent"), ANY),
    Verb("see", "sees", ("vois", "vois", "voit", "voyons", "voyez", "voient"), ANY),
    Verb("want", "wants", ("veux", "veux", "veut", "voulons", "voulez", "veulent"), ANY - {"place"}),
    Verb("prefer", "prefers", ("préfère", "préfères", "préfère", "préférons", "préférez", "préfèrent"), ANY),
    Verb("have", "has", ("ai", "as", "a", "avons", "avez", "ont"), frozenset({"thing", "animal", "text", "food"})),
    Verb("buy", "buys", ("achète", "achètes", "achète", "achetons", "achetez", "achètent"),
         frozenset({"thing", "food", "text", "art"})),
    Verb("clean", "cleans", ("nettoie", "nettoies", "nettoie", "nettoyons", "nettoyez", "nettoient"),
         frozenset({"cleanable"})),
    Verb("draw", "draws", ("dessine", "dessines", "dessine", "dessinons", "dessinez", "dessinent"),
         frozenset({"thing", "place", "animal"})),
    Verb("visit", "visits", ("visite", "visites", "visite", "visitons", "visitez", "visitent"),
         frozenset({"place"})),
    Verb("read", "reads", ("lis", "lis", "lit", "lisons", "lisez", "lisent"), frozenset({"text"})),
    Verb("open", "opens", ("ouvre", "ouvres", "ouvre", "ouvrons", "ouvrez", "ouvrent"), frozenset({"opens"})),
]


@dataclass(frozen=True)
class Noun:
    """An English noun with its French form, gender and the kinds of verbs it goes with."""

    en: str
    en_pl: str
    fr: str
    fr_pl: str
    feminine: bool
    kinds: frozenset[str]
    coloured: bool = True  # takes a colour adjective


def _noun(en: str, fr: str, gender: str, kinds: str, en_pl: str = "", fr_pl: str = "", coloured: bool = True) -> Noun:
    return Noun(en, en_pl or en + "s", fr, fr_pl or fr + "s", gender == "f", frozenset(kinds.split()), coloured)


NOUNS = [
    _noun("house", "maison", "f", "place thing cleanable"),
    _noun("car", "voiture", "f", "thing cleanable"),
    _noun("book", "livre", "m", "text thing opens"),
    _noun("garden", "jardin", "m", "place cleanable", coloured=False),
    _noun("table", "table", "f", "thing cleanable"),
    _noun("chair", "chaise", "f", "thing cleanable"),
    _noun("door", "porte", "f", "thing cleanable opens"),
    _noun("window", "fenêtre", "f", "thing cleanable opens"),
    _noun("dog", "chien", "m", "animal"),
    _noun("cat", "chat", "m", "animal"),
    _noun("bird", "oiseau", "m", "animal", fr_pl="oiseaux"),
    _noun("tree", "arbre", "m", "place", coloured=False),
    _noun("city", "ville", "f", "place", en_pl="cities", coloured=False),
    _noun("bridge", "pont", "m", "place"),
    _noun("computer", "ordinateur", "m", "thing cleanable"),
    _noun("school", "école", "f", "place", coloured=False),
    _noun("hotel", "hôtel", "m", "place", coloured=False),
    _noun("museum", "musée", "m", "place", coloured=False),
    _noun("letter", "lettre", "f", "text opens", coloured=False),
    _noun("newspaper", "journal", "m", "text", fr_pl="journaux", coloured=False),
    _noun("story", "histoire", "f", "text", en_pl="stories", coloured=False),
    _noun("box", "boîte", "f", "thing opens", en_pl="boxes"),
    _noun("bag", "sac", "m", "thing cleanable opens"),
    _noun("bike", "vélo", "m", "thing cleanable"),
    _noun("apple", "pomme", "f", "food"),
    _noun("cake", "gâteau", "m", "food", fr_pl="gâteaux", coloured=False),
    _noun("photo", "photo", "f", "art thing", coloured=False),
    _noun("song", "chanson", "f", "art", coloured=False),
    _noun("film", "film", "m", "art", coloured=False),
    _noun("lamp", "lampe", "f", "thing cleanable"),
    _noun("kitchen", "cuisine", "f", "place cleanable"),
    _noun("flower", "fleur", "f", "thing"),
    _noun("castle", "château", "m", "place", fr_pl="châteaux", coloured=False),
    _noun("church", "église", "f", "place", en_pl="churches", coloured=False),
    _noun("shirt", "chemise", "f", "thing"),
    _noun("hat", "chapeau", "m", "thing", fr_pl="chapeaux"),
    _noun("dress", "robe", "f", "thing", en_pl="dresses"),
    _noun("painting", "tableau", "m", "art thing", fr_pl="tableaux"),
]

# English adjective → French (m, f, m pl, f pl); True when it goes before the noun
SIZE_ADJECTIVES = [
    ("small", ("petit", "petite", "petits", "petites"), True),
    ("big", ("grand", "grande", "grands", "grandes"), True),
    ("pretty", ("joli", "jolie", "jolis", "jolies"), True),
]
COLOUR_ADJECTIVES = [
    ("red", ("rouge", "rouge", "rouges", "rouges"), False),
    ("green", ("vert", "verte", "verts", "vertes"), False),
    ("black", ("noir", "noire", "noirs", "noires"), False),
    ("white", ("blanc", "blanche", "blancs", "blanches"), False),
    ("blue", ("bleu", "bleue", "bleus", "bleues"), False),
]
# English determiner (singular, plural) → French (m, m before a vowel, f, f before a vowel, plural)
DETERMINERS = {
    "this": (("this", "these"), ("ce", "cet", "cette", "cette", "ces")),
    "the": (("the", "the"), ("le", "l'", "la", "l'", "les")),
    "a": (("a", None), ("un", "un", "une", "une", None)),
    "my": (("my", "my"), ("mon", "mon", "ma", "mon", "mes")),
}
DETERMINER_WEIGHTS = {"this": 0.55, "the": 0.2, "a": 0.12, "my": 0.13}


def valid_triples() -> list[tuple[str, str, str]]:
    """Every (subject, verb, noun) combination the grammar allows, as English words."""
    return [(s[0], v.en, n.en) for s in SUBJECTS for v in VERBS for n in NOUNS if v.takes & n.kinds]


def _starts_with_vowel(word: str) -> bool:
    return word.startswith(VOWELS)


def _elide(word: str, following: str) -> str:
    """je → j', ne → n', le/la → l' before a vowel sound."""
    if word in ("je", "ne", "le", "la") and _starts_with_vowel(following):
        return word[0] + "'"
    return word


def _join(words: list[str]) -> str:
    return " ".join(words).replace("' ", "'")


def _capitalise(text: str) -> str:
    return text[0].upper() + text[1:]


def make_pair(rng: random.Random, subject: tuple, verb: Verb, noun: Noun) -> dict:
    """One English sentence and its French translation for a given subject, verb and noun."""
    det = rng.choices(list(DETERMINER_WEIGHTS), weights=list(DETERMINER_WEIGHTS.values()))[0]
    negated = det != "a" and rng.random() < 0.15  # "not a" would need French "pas de"
    plural = det != "a" and rng.random() < 0.2
    adjectives = SIZE_ADJECTIVES + (COLOUR_ADJECTIVES if noun.coloured else [])
    adjective = rng.choice(adjectives) if rng.random() < 0.4 else None
    return render(subject, verb, noun, det, negated, plural, adjective)


def render(
    subject: tuple, verb: Verb, noun: Noun, det: str, negated: bool, plural: bool, adjective: tuple | None
) -> dict:
    """The English sentence and its French translation for fully specified choices."""
    en_subject, fr_subject, person = subject
    en_verb = verb.en_3s if person == 2 and not negated else verb.en
    if negated:
        en_verb = ("does not " if person == 2 else "do not ") + verb.en
    (en_det_sing, en_det_pl), fr_dets = DETERMINERS[det]
    en_object = [en_det_pl if plural else en_det_sing]
    if adjective:
        en_object.append(adjective[0])
    en_noun = noun.en_pl if plural else noun.en
    if det == "a" and (adjective[0] if adjective else en_noun)[0] in "aeiou":
        en_object[0] = "an"
    en = _capitalise(" ".join([en_subject, en_verb, *en_object, en_noun])) + "."

    fr_noun = noun.fr_pl if plural else noun.fr
    fr_adj = None
    if adjective:
        forms, before = adjective[1], adjective[2]
        fr_adj = (forms[2 + noun.feminine] if plural else forms[noun.feminine], before)
    first_after_det = fr_adj[0] if fr_adj and fr_adj[1] else fr_noun
    if plural:
        fr_det = fr_dets[4]
    else:
        fr_det = fr_dets[2 * noun.feminine + _starts_with_vowel(first_after_det)]
    fr_object = [fr_det]
    if fr_adj and fr_adj[1]:
        fr_object += [fr_adj[0], fr_noun]
    else:
        fr_object += [fr_noun] + ([fr_adj[0]] if fr_adj else [])
    fr_object[0] = _elide(fr_object[0], fr_object[1])
    fr_verb = verb.fr[person]
    subject_words = fr_subject.split()
    if negated:
        words = [*subject_words, _elide("ne", fr_verb), fr_verb, "pas", *fr_object]
    else:
        words = [*subject_words, fr_verb, *fr_object]
    words[len(subject_words) - 1] = _elide(words[len(subject_words) - 1], words[len(subject_words)])
    fr = _capitalise(_join(words)) + "."
    return {"en": en, "fr": fr, "subject": en_subject, "verb": verb.en, "noun": noun.en}


def split_triples(seed: int) -> tuple[list[tuple], list[tuple]]:
    """Train and held-out (subject, verb, noun) combinations; the chapter examples are held out."""
    rng = random.Random(seed)
    triples = valid_triples()
    rng.shuffle(triples)
    n_held = int(len(triples) * HELD_OUT_SHARE)
    held = [t for t in triples if t in HELD_OUT_EXAMPLES]
    held += [t for t in triples if t not in held][: n_held - len(held)]
    held_set = set(held)
    return [t for t in triples if t not in held_set], sorted(held_set)


def _pairs(rng: random.Random, triples: list[tuple], n: int, exclude: set[str]) -> list[dict]:
    subjects = {s[0]: s for s in SUBJECTS}
    verbs = {v.en: v for v in VERBS}
    nouns = {x.en: x for x in NOUNS}
    rows, seen = [], set(exclude)
    attempts = 0
    while len(rows) < n:
        attempts += 1
        if attempts > 50 * n:
            raise RuntimeError(f"could only make {len(rows)} distinct pairs of the {n} asked for; ask for fewer")
        s, v, x = triples[len(rows) % len(triples)] if len(rows) < len(triples) else rng.choice(triples)
        row = make_pair(rng, subjects[s], verbs[v], nouns[x])
        if row["en"] not in seen:
            seen.add(row["en"])
            rows.append(row)
    rng.shuffle(rows)
    return rows


def generate(seed: int = 0) -> dict[str, list[dict]]:
    """The train and test splits as lists of {"en", "fr", "subject", "verb", "noun"} rows."""
    rng = random.Random(seed)
    train_triples, test_triples = split_triples(seed)
    rng.shuffle(train_triples)
    rng.shuffle(test_triples)
    examples = chapter_examples()
    train = _pairs(rng, train_triples, N_TRAIN, {r["en"] for r in examples})
    test = examples + _pairs(rng, test_triples, N_TEST - len(examples), {r["en"] for r in train + examples})
    return {"train": train, "test": test}


def chapter_examples() -> list[dict]:
    """The pairs chapters 1 and 3 show ("You like this house." …): first rows of the test split."""
    subjects = {s[0]: s for s in SUBJECTS}
    verbs = {v.en: v for v in VERBS}
    nouns = {x.en: x for x in NOUNS}
    return [render(subjects[s], verbs[v], nouns[n], "this", False, False, None) for s, v, n in HELD_OUT_EXAMPLES]


def readme(splits: dict[str, list[dict]], seed: int) -> str:
    """The corpus's README.md: what a row holds, how it was made, what is held out."""
    n_triples = len(valid_triples())
    n_held = len({(r["subject"], r["verb"], r["noun"]) for r in splits["test"]})
    return README.format(
        n_train=len(splits["train"]), n_test=len(splits["test"]), seed=seed, n_triples=n_triples, n_held=n_held,
        n_subjects=len(SUBJECTS), n_verbs=len(VERBS), n_nouns=len(NOUNS),
        example=splits["train"][0],
        n_en_words=len({w.strip(".").lower() for r in splits["train"] for w in r["en"].split()}),
        n_fr_words=len({w.strip(".").lower() for r in splits["train"] for w in r["fr"].split()}),
    )


README = """# en_fr — English→French pairs for attention chapters

Course-made, generated by `course_utils/build/corpora/en_fr.py` (seed {seed}); regenerate with
`python -m course_utils.build.corpora`. Used to train the `marian-tiny-en-fr` stand-in.

**What.** One-clause sentences: subject + verb + object, sometimes negated, e.g.
`{example[en]}` → `{example[fr]}`. {n_subjects} subjects, {n_verbs} verbs, {n_nouns} nouns,
size and colour adjectives, four determiners (this, the, a, my), singular and plural objects.

**Why.** The French side needs agreement that a model can only get right by attending to the right word:
- the verb agrees with its subject: I like / j'aime, you like / tu aimes, she likes / elle aime,
  we like / nous aimons, you all like / vous aimez, they like / ils aiment;
- "this" agrees with the noun's gender and first sound: ce livre, cet arbre, cette maison, ces maisons
  (and "ce petit arbre": the adjective, not the noun, now follows the determiner);
- colour adjectives go after the noun and agree with it (cette voiture verte, ce livre vert),
  size adjectives go before it (cette petite maison);
- "do not" wraps the verb: je n'aime pas, tu ne vois pas.

**Conventions.** English "you" is always translated by the informal singular **tu**; "you all" is **vous**.
"they" is **ils**.

**Splits.** train {n_train} pairs, test {n_test} pairs, one pair per line as JSON with keys
`en`, `fr`, `subject`, `verb`, `noun`. Of the {n_triples} subject×verb×noun combinations the grammar allows,
{n_held} occur only in the test split, never in training — so the test split measures generalisation to
new combinations. The chapter examples ("You like this house.", "I like this car.", "We like this book.")
are held-out combinations and the first three rows of the test split. No English sentence occurs in
both splits.

**Limits.** A toy grammar: one clause, present tense, {n_en_words} English and {n_fr_words} French words.
It is not natural French text and a model trained on it translates nothing outside this grammar.
"""

"""Chapter 2's corpus: generated English prose with a rich word-formation pattern, and held-out text.

The text comes from a small lexicon (nouns, verbs, adjectives, names, a few accented loanwords) that is
inflected by rule (dogs, painted, carrying, unkind, kindness, quietly) and dropped into sentence
templates. Words are drawn with Zipf-like weights, so a few are frequent and many are rare, as in real
text. About one lexicon entry in ten, and every "re-" verb (repainted, rebuilt), is reserved for the
test split, so held-out text has words the training text never shows: what a word-level tokenizer
cannot handle and a subword tokenizer can.
"""

from __future__ import annotations

import random

from course_utils.corpora.tokenizer_text import NAME, SPLITS

TRAIN_PARAGRAPHS = 560
TEST_PARAGRAPHS = 80
RESERVE_EVERY = 10  # one entry in RESERVE_EVERY is test-only
ZIPF_EXPONENT = 0.7  # entry of rank r is drawn with weight 1 / r**ZIPF_EXPONENT

# Nouns: "singular" or "singular/plural" for irregular plurals.
NOUNS = """
dog cat horse fox wolf/wolves sheep/sheep goose/geese mouse/mice owl sparrow heron otter badger beaver falcon
salmon/salmon trout/trout beetle butterfly spider rabbit squirrel deer/deer donkey goat pigeon lizard tortoise
whale dolphin kingfisher magpie hedgehog walrus/walruses octopus/octopuses penguin flamingo giraffe elephant
kangaroo crocodile salamander caterpillar dragonfly ant wasp hornet moth river mountain valley forest meadow
harbour island lake glacier canyon desert village city market bridge tower lighthouse cathedral library museum
station garden orchard vineyard cliff shore beach hill cave volcano/volcanoes pond stream waterfall marsh swamp
prairie plateau peninsula archipelago lagoon reef estuary fjord dune quarry cottage farmhouse barn mill windmill
castle fortress palace monastery courtyard balcony attic cellar corridor pantry lantern compass telescope
microscope notebook pencil kettle teapot umbrella bicycle engine rope anchor sail ladder hammer chisel violin
piano/pianos drum trumpet map letter parcel candle clock mirror window blanket basket bottle saucepan ladle whisk
colander spatula cauldron jug goblet tablecloth napkin carriage wagon tram ferry canoe kayak yacht submarine
helicopter airship locomotive farmer baker carpenter sailor astronomer gardener musician teacher student engineer
librarian painter fisherman/fishermen child/children woman/women man/men traveller neighbour merchant doctor nurse
pilot scientist historian philosopher mathematician architect journalist photographer sculptor poet novelist
translator apprentice shepherd blacksmith locksmith tailor cobbler jeweller pharmacist surgeon detective idea
journey question answer story memory problem solution theory experiment measurement decision argument agreement
surprise silence harvest season festival invention discovery observation explanation conversation celebration
destination population generation direction orchestra symphony melody rhythm chorus tournament championship
rehearsal exhibition auction bread cheese apple soup tomato/tomatoes potato/potatoes onion pepper lemon cherry
biscuit pie pumpkin cucumber carrot cabbage mushroom strawberry raspberry blueberry pineapple walnut almond
chestnut porridge pancake dumpling sandwich omelette recipe photograph postcard chimney staircase workshop
warehouse railway tunnel thunderstorm rainbow blizzard hurricane drought avalanche earthquake manuscript
encyclopedia dictionary newspaper magazine pamphlet meteor comet planet satellite algorithm keyboard spreadsheet
calendar wheelbarrow greenhouse
"""
VERBS = """
walk paint build:built carry repair explore notice measure discover gather cook bake plant water wander whisper
sing:sang swim:swam climb fix open close follow watch borrow deliver collect examine polish sketch fold lift drop
stop plan admire invent describe imagine forget:forgot arrive leave:left find:found catch:caught teach:taught
write:wrote draw:drew sweep:swept calculate celebrate organise photograph translate whistle juggle knit tidy hurry
study decorate adjust announce assemble balance bounce chase compare complain construct consider cycle design
disappear encourage estimate exchange explain fasten gallop glide hesitate investigate kneel:knelt launch memorise
navigate observe persuade prepare preserve protect recommend rotate scatter search sharpen shiver shrink:shrank
sparkle stumble supervise surrender swing:swung tremble unlock vanish weave:wove wrap yawn sew:sewed
"""
DOUBLING = {"drop", "stop", "plan", "knit", "wrap"}  # consonant doubles before -ed / -ing
ADJECTIVES = """
quiet careful bright ancient gentle curious patient narrow enormous fragile steady honest brave clever silent
golden muddy noisy happy lucky heavy tidy simple comfortable predictable reliable remarkable visible kind fair
usual expected common aware certain polite loyal generous cheerful graceful nervous anxious elegant stubborn
delicate fierce gloomy hollow humble jolly lively mysterious ordinary peculiar precise rapid rough shallow sincere
smooth splendid swift tender thoughtful timid vivid weary wise clumsy cautious eager fortunate possible
responsible regular logical mature legal
"""
# Opposites made with a prefix; everything else listed here takes "un".
NEGATIONS = {"honest": "dishonest", "patient": "impatient", "visible": "invisible", "polite": "impolite",
             "loyal": "disloyal", "certain": "uncertain", "possible": "impossible",
             "responsible": "irresponsible", "regular": "irregular", "logical": "illogical", "mature": "immature",
             "legal": "illegal", "sincere": "insincere", "precise": "imprecise", "ordinary": "extraordinary"}
NEGATABLE = {"kind", "fair", "usual", "expected", "common", "aware", "comfortable", "predictable", "reliable",
             "happy", "lucky", "tidy", "steady", "remarkable", "generous", "cheerful", "graceful", "stubborn",
             "fortunate", "wise"}
NO_ADVERB = {"golden", "ancient", "muddy", "aware", "fragile", "lively", "jolly", "hollow", "timid", "mature",
             "possible", "ordinary"}
# Nouns made from adjectives: irregular ones here, "-ness" for the rest (except those in NO_NESS).
NOUN_OF = {"honest": "honesty", "patient": "patience", "curious": "curiosity", "generous": "generosity",
           "elegant": "elegance", "certain": "certainty", "reliable": "reliability", "simple": "simplicity",
           "predictable": "predictability", "visible": "visibility", "fragile": "fragility", "brave": "bravery",
           "silent": "silence", "anxious": "anxiety", "loyal": "loyalty", "lucky": "luck", "comfortable": "comfort",
           "aware": "awareness", "wise": "wisdom", "precise": "precision", "mature": "maturity", "legal": "legality",
           "possible": "possibility", "responsible": "responsibility", "regular": "regularity", "logical": "logic",
           "rapid": "rapidity", "fierce": "ferocity", "sincere": "sincerity", "humble": "humility",
           "eager": "eagerness", "cautious": "caution", "fortunate": "fortune"}
NO_NESS = {"golden", "ancient", "muddy", "enormous", "remarkable", "usual", "expected", "common", "ordinary",
           "peculiar", "splendid", "vivid", "jolly"}
NAMES = """
Amara Bilal Chen Dagny Elif Farid Greta Hiroshi Ines Jonas Kavya Lior Mateo Noor Olek Priya Quentin Rosa Sven
Tomasz Uma Viktor Wen Ximena Yusuf Zofia Anneliese Bartholomew Cosima Desmond Aurelio Beatrix Cormac Dmitri
Esperanza Fionnuala Gunnar Hyacinth Isolde Jaroslav Kwame Leopold Marguerite Nkechi Oswin Perpetua Radomir
Siobhan Thaddeus Ulrike Valentina Wilhelmina Xavier Yolanda Zebedee
"""
PLACES = ["Port Elmsworth", "Lake Varna", "the Harrowgate Hills", "Kestrel Bay", "Millbrook", "Northfold",
          "Saint Aubin", "Tarrow Creek", "Quillon Ridge", "Wexmoor"]
LOANWORDS = ["café au lait", "piñata", "jalapeño", "crème brûlée", "smörgåsbord", "crêpe", "soufflé", "açaí bowl"]
TIME_UNITS = ["minute", "hour", "day", "week", "month", "year"]
PREPOSITIONS = ["across", "behind", "beside", "under", "over", "through", "near", "beyond", "towards", "around"]
CONNECTIVES = ["Later", "Meanwhile", "Afterwards", "Surprisingly", "Fortunately", "Unfortunately", "Eventually",
               "Nevertheless", "At dawn", "By midnight"]


def _plural(noun: str) -> str:
    if noun.endswith(("s", "sh", "ch", "x", "z")):
        return noun + "es"
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _third(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _past(verb: str) -> str:
    if verb in DOUBLING:
        return verb + verb[-1] + "ed"
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


def _ing(verb: str) -> str:
    if verb in DOUBLING:
        return verb + verb[-1] + "ing"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


def _adverb(adj: str) -> str | None:
    if adj in NO_ADVERB:
        return None
    if adj.endswith("y"):
        return adj[:-1] + "ily"
    if adj.endswith("le"):
        return adj[:-1] + "y"
    return adj + "ly"


def _noun_of(adj: str) -> str | None:
    if adj in NOUN_OF:
        return NOUN_OF[adj]
    if adj in NO_NESS:
        return None
    return (adj[:-1] + "i" if adj.endswith("y") else adj) + "ness"


def _negation(adj: str) -> str | None:
    return NEGATIONS.get(adj) or ("un" + adj if adj in NEGATABLE else None)


class Lexicon:
    """Word lists for one split, with Zipf-like weights (a seeded shuffle decides which words are common)."""

    def __init__(self, rng: random.Random, split: str) -> None:
        self.rng = rng
        self.nouns = self._entries(NOUNS, split, "/")
        self.verbs = self._entries(VERBS, split, ":")
        self.adjectives = self._entries(ADJECTIVES, split, None)
        self.names = self._entries(NAMES, split, None)
        self.split = split

    def _entries(self, block: str, split: str, sep: str | None) -> list[tuple[str, ...]]:
        entries = [tuple(item.split(sep)) if sep else (item,) for item in block.split()]
        entries = list(dict.fromkeys(entries))
        # Reserve every RESERVE_EVERY-th entry (in a fixed, seed-independent order) for the test split.
        reserved = {e for i, e in enumerate(sorted(entries)) if i % RESERVE_EVERY == RESERVE_EVERY - 1}
        if split == "train":
            kept = [e for e in entries if e not in reserved]
            self.rng.shuffle(kept)
        else:  # the test split uses every entry
            kept = list(entries)
            self.rng.shuffle(kept)
        return kept

    def pick(self, entries: list[tuple[str, ...]]) -> tuple[str, ...]:
        """One entry, drawn with weight 1 / rank**ZIPF_EXPONENT."""
        weights = [1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(entries))]
        return self.rng.choices(entries, weights=weights)[0]

    def noun(self, plural: bool = False) -> str:
        """A noun, singular or plural."""
        entry = self.pick(self.nouns)
        if plural:
            return entry[1] if len(entry) > 1 else _plural(entry[0])
        return entry[0]

    def verb(self, form: str) -> str:
        """A verb in one of the forms base, third, past, ing, repast (re- + past, test split only)."""
        entry = self.pick(self.verbs)
        while form == "repast" and (len(entry) > 1 or entry[0].startswith(("re", "dis", "un"))):
            entry = self.pick(self.verbs)  # re- only on regular verbs that have no prefix yet
        base = entry[0]
        if form == "base":
            return base
        if form == "third":
            return _third(base)
        if form == "ing":
            return _ing(base)
        past = entry[1] if len(entry) > 1 else _past(base)
        return "re" + past if form == "repast" else past

    def adjective(self, form: str = "plain") -> str:
        """An adjective as plain, adverb, noun, negated or negated_adverb (redrawn until the form exists)."""
        makers = {
            "plain": lambda adj: adj,
            "adverb": _adverb,
            "noun": _noun_of,
            "negated": _negation,
            "negated_adverb": lambda adj: _adverb(_negation(adj)) if _negation(adj) else None,
        }
        if form not in makers:
            raise ValueError(f"unknown adjective form {form!r}; use one of {sorted(makers)}")
        for _ in range(1000):
            word = makers[form](self.pick(self.adjectives)[0])
            if word:
                return word
        raise RuntimeError(f"no adjective of this split has a {form!r} form; check the lexicon")

    def name(self) -> str:
        """A person's name."""
        return self.pick(self.names)[0]


def _number(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return str(rng.randint(1850, 2025))
    if kind == 1:
        return f"{rng.randint(1, 99)}.{rng.randint(0, 9)}"
    if kind == 2:
        return f"{rng.randint(5, 11)}:{rng.choice(['00', '15', '30', '45'])}"
    return f"{rng.randint(2, 95)}%"


def _a(word: str) -> str:
    """The word with its indefinite article ('an' before a vowel letter)."""
    return ("an " if word[0] in "aeiouAEIOU" else "a ") + word


def _sentence(lex: Lexicon, rng: random.Random) -> str:
    """One sentence from a randomly chosen template."""
    n, v, a = lex.noun, lex.verb, lex.adjective
    templates = [
        lambda: f"The {a()} {n()} {v('past')} {rng.choice(PREPOSITIONS)} the {n()}.",
        lambda: f"{lex.name()} {v('third')} the {n(True)} {a('adverb')} every {rng.choice(TIME_UNITS)}.",
        lambda: f"Nobody expected the {n()} to be so {a()}, yet it {v('past')} {a('adverb')}.",
        lambda: f"In {rng.choice(PLACES)}, {lex.name()} and {lex.name()} spent {rng.randint(2, 12)} "
        f"{rng.choice(TIME_UNITS)}s {v('ing')} {n(True)}.",
        lambda: f"Why would {_a(a())} {n()} {v('base')} the {n()}?",
        lambda: f"\"I can't {v('base')} the {n()} today,\" said {lex.name()}, \"because it's {a('negated')}.\"",
        lambda: f"{rng.choice(CONNECTIVES)}, the {n(True)} were {a('negated')} and the {n()} looked {a()}.",
        lambda: f"{lex.name()}'s {n()} didn't {v('base')} the {n(True)}; it {v('past')} them instead.",
        lambda: f"The {n()}'s {a('noun')} surprised the {n(True)} more than its {a('noun')}.",
        lambda: f"They're {v('ing')} {rng.randint(2, 40)} {n(True)} near the old {n()} (about {_number(rng)} of them).",
        lambda: f"We'll {v('base')} the {a()} {n()} at {_number(rng)} and {v('base')} the {n(True)} afterwards.",
        lambda: f"In {rng.randint(1850, 2025)}, {_a(a())} {n()} {v('past')} the {n()} of {rng.choice(PLACES)}!",
        lambda: f"{lex.name()} ordered {_a(rng.choice(LOANWORDS))} at the {a()} {n()} and {v('past')} {a('adverb')}.",
        lambda: f"That year she {v('past')} nothing so {a()}: the {n(True)}, the {n(True)} and even the {n()}.",
        lambda: f"The {n()} is {a()}, the {n()} is {a('negated')}, and the {n(True)} are {a()}.",
        lambda: f"I'd {v('base')} {rng.randint(2, 30)} of the {n(True)} — {a('negated_adverb')}, of course.",
        lambda: f"The {n()} {a('negated_adverb')} {v('past')} the {n()}, and nobody noticed its {a('noun')}.",
        lambda: f"Every {n()} {v('third')} {_a(n())}, but only {_a(a())} {n()} {v('third')} {a('adverb')}.",
    ]
    if lex.split == "test":  # re- verbs exist only in held-out text
        templates.append(lambda: f"{lex.name()} {v('repast')} the {a()} {n()} {a('adverb')}.")
        templates.append(lambda: f"After the storm the {n(True)} were {v('repast')} by the {n(True)}.")
    return rng.choice(templates)()


def paragraphs(split: str, count: int, seed: int = 0) -> list[str]:
    """`count` paragraphs (3 to 6 sentences each) of one split."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    rng = random.Random(f"{NAME}/{split}/{seed}")
    lex = Lexicon(rng, split)
    return [" ".join(_sentence(lex, rng) for _ in range(rng.randint(3, 6))) for _ in range(count)]


README = """# tokenizer_text — chapter 2's tokenizer corpus

English prose **generated by the course** (no downloaded text): `course_utils/build/corpora/tokenizer_text.py`
inflects a small hand-written lexicon by rule (dog → dogs, paint → painted / painting, kind → unkind /
kindness / kindly) and drops the words into sentence templates with contractions, possessives,
numbers, punctuation and a few accented loanwords (café, jalapeño). Words are drawn with weight 1 / rank^{zipf},
so a few are common and many are rare.

- `train.txt` — {train_lines} paragraphs, {train_kb} KB, one paragraph per line.
- `test.txt` — {test_lines} paragraphs, {test_kb} KB of held-out text. About one lexicon entry in
  {every}, and every "re-" verb (repainted, rebuilt), appears **only** here, so the test split has
  words the training split never shows.

Regenerate (deterministic) with `python -m course_utils.build.corpora` (seed {seed}). Licence: same as the course.
"""


def generate(seed: int = 0) -> dict[str, str]:
    """The text of each split: one paragraph per line."""
    counts = {"train": TRAIN_PARAGRAPHS, "test": TEST_PARAGRAPHS}
    return {split: "\n".join(paragraphs(split, count, seed)) + "\n" for split, count in counts.items()}


def files(texts: dict[str, str]) -> dict[str, str]:
    """train.txt and test.txt (plain text, not JSON Lines)."""
    return {f"{split}.txt": text for split, text in texts.items()}


def readme(texts: dict[str, str], seed: int) -> str:
    """The corpus's README.md: how the text was made, the size of each split, what is held out."""
    kb = {split: round(len(text.encode("utf-8")) / 1024) for split, text in texts.items()}
    return README.format(train_lines=TRAIN_PARAGRAPHS, train_kb=kb["train"], test_lines=TEST_PARAGRAPHS,
                         test_kb=kb["test"], every=RESERVE_EVERY, seed=seed, zipf=ZIPF_EXPONENT)  # fmt: skip

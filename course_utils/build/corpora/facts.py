"""Simple factual and everyday English sentences with one word to fill in, for masked language modelling.

Facts are small tables (country, capital, language), (job, workplace, what they work with), (animal, kind,
food, home), colours of things, what objects are for, instruments and their players, what things are made
from, body parts, days and months, opposites and counts.
Each fact is written with several phrasings ("The capital of France is Paris.", "Paris is a city in France.");
a row masks one slot of one sentence (`answer`, at `answer_start`). About a quarter of the (fact, phrasing)
pairs are held out: the test split is made only of them, and every held-out fact also occurs in training
in another phrasing. So a model passes only if it ties the words of a fact together across phrasings, not
if it memorised sentences. "Paris is the capital of France." is held out on purpose: chapter 1 asks it.
"""

from __future__ import annotations

import random
import re

NAME = "facts"
HELD_OUT_SHARE = 0.25
# (relation, fact key, phrasing) that must be in the test split: the chapter-1 example.
FORCED_HELD_OUT = {("country", "france", "{capital} is the capital of {country}.")}

COUNTRIES = [  # country, capital, main language
    ("France", "Paris", "French"),
    ("Germany", "Berlin", "German"),
    ("Italy", "Rome", "Italian"),
    ("Spain", "Madrid", "Spanish"),
    ("Japan", "Tokyo", "Japanese"),
    ("China", "Beijing", "Chinese"),
    ("Russia", "Moscow", "Russian"),
    ("Egypt", "Cairo", "Arabic"),
    ("Greece", "Athens", "Greek"),
    ("Portugal", "Lisbon", "Portuguese"),
    ("Poland", "Warsaw", "Polish"),
    ("Austria", "Vienna", "German"),
    ("Ireland", "Dublin", "English"),
    ("England", "London", "English"),
    ("Sweden", "Stockholm", "Swedish"),
    ("Norway", "Oslo", "Norwegian"),
    ("Denmark", "Copenhagen", "Danish"),
    ("Finland", "Helsinki", "Finnish"),
    ("Turkey", "Ankara", "Turkish"),
    ("Peru", "Lima", "Spanish"),
    ("Cuba", "Havana", "Spanish"),
    ("Canada", "Ottawa", "English"),
    ("Australia", "Canberra", "English"),
    ("Thailand", "Bangkok", "Thai"),
    ("Vietnam", "Hanoi", "Vietnamese"),
    ("Iran", "Tehran", "Persian"),
    ("Iraq", "Baghdad", "Arabic"),
    ("Hungary", "Budapest", "Hungarian"),
    ("Netherlands", "Amsterdam", "Dutch"),
    ("Chile", "Santiago", "Spanish"),
    ("Korea", "Seoul", "Korean"),
    ("Indonesia", "Jakarta", "Indonesian"),
    ("Ukraine", "Kiev", "Ukrainian"),
    ("Romania", "Bucharest", "Romanian"),
    ("Colombia", "Bogota", "Spanish"),
    ("Venezuela", "Caracas", "Spanish"),
    ("Scotland", "Edinburgh", "English"),
    ("Israel", "Jerusalem", "Hebrew"),
    ("Lebanon", "Beirut", "Arabic"),
    ("Syria", "Damascus", "Arabic"),
    ("Afghanistan", "Kabul", "Persian"),
    ("Nepal", "Kathmandu", "Nepali"),
    ("Serbia", "Belgrade", "Serbian"),
    ("Croatia", "Zagreb", "Croatian"),
    ("Bulgaria", "Sofia", "Bulgarian"),
    ("Iceland", "Reykjavik", "Icelandic"),
    ("Argentina", "Buenos Aires", "Spanish"),
    ("Mexico", "Mexico City", "Spanish"),
]
JOBS = [  # job, workplace, what they work with
    ("doctor", "hospital", "patients"),
    ("teacher", "school", "students"),
    ("baker", "bakery", "bread"),
    ("farmer", "farm", "animals"),
    ("pilot", "airport", "planes"),
    ("chef", "kitchen", "food"),
    ("librarian", "library", "books"),
    ("mechanic", "garage", "cars"),
    ("judge", "court", "laws"),
    ("waiter", "restaurant", "customers"),
    ("dentist", "clinic", "teeth"),
    ("gardener", "garden", "plants"),
    ("scientist", "laboratory", "experiments"),
    ("programmer", "office", "computers"),
    ("actor", "theatre", "scripts"),
    ("soldier", "army", "weapons"),
    ("painter", "studio", "paint"),
    ("carpenter", "workshop", "wood"),
    ("barber", "salon", "hair"),
    ("banker", "bank", "money"),
    ("priest", "church", "prayers"),
    ("sailor", "ship", "ropes"),
    ("miner", "mine", "coal"),
    ("nurse", "hospital", "patients"),
]
ANIMALS = [  # animal, kind, food, home
    ("cow", "mammal", "grass", "farm"),
    ("sheep", "mammal", "grass", "field"),
    ("horse", "mammal", "hay", "stable"),
    ("cat", "mammal", "mice", "house"),
    ("dog", "mammal", "bones", "house"),
    ("monkey", "mammal", "bananas", "jungle"),
    ("bear", "mammal", "honey", "forest"),
    ("lion", "mammal", "meat", "savanna"),
    ("eagle", "bird", "fish", "mountains"),
    ("owl", "bird", "mice", "forest"),
    ("penguin", "bird", "fish", "ice"),
    ("parrot", "bird", "seeds", "jungle"),
    ("shark", "fish", "fish", "ocean"),
    ("frog", "amphibian", "insects", "pond"),
    ("spider", "predator", "flies", "web"),
    ("bee", "insect", "nectar", "hive"),
    ("ant", "insect", "sugar", "nest"),
    ("camel", "mammal", "plants", "desert"),
    ("panda", "mammal", "bamboo", "forest"),
    ("squirrel", "mammal", "nuts", "tree"),
    ("mouse", "mammal", "cheese", "house"),
    ("whale", "mammal", "fish", "ocean"),
    ("duck", "bird", "bread", "pond"),
    ("crocodile", "reptile", "meat", "river"),
    ("elephant", "mammal", "leaves", "savanna"),
    ("fox", "mammal", "chickens", "forest"),
    ("tiger", "mammal", "meat", "jungle"),
    ("goat", "mammal", "grass", "mountains"),
    ("rabbit", "mammal", "lettuce", "field"),
    ("snake", "reptile", "mice", "desert"),
]
YOUNG = [
    ("puppy", "dog"),
    ("kitten", "cat"),
    ("calf", "cow"),
    ("lamb", "sheep"),
    ("cub", "bear"),
    ("chick", "hen"),
    ("kid", "goat"),
    ("cub", "lion"),
]
PRODUCTS = [("cows", "milk"), ("bees", "honey"), ("chickens", "eggs"), ("sheep", "wool"), ("goats", "cheese")]
COLOURS = [  # thing, colour
    ("the sky", "blue"),
    ("grass", "green"),
    ("snow", "white"),
    ("coal", "black"),
    ("blood", "red"),
    ("a banana", "yellow"),
    ("a lemon", "yellow"),
    ("a tomato", "red"),
    ("milk", "white"),
    ("chocolate", "brown"),
    ("the sun", "yellow"),
    ("the sea", "blue"),
    ("a strawberry", "red"),
    ("a carrot", "orange"),
    ("a cherry", "red"),
    ("a frog", "green"),
    ("a crow", "black"),
    ("a flamingo", "pink"),
    ("an elephant", "grey"),
    ("a pumpkin", "orange"),
    ("salt", "white"),
    ("a leaf", "green"),
    ("a rose", "red"),
    ("a plum", "purple"),
    ("an orange", "orange"),
    ("a lime", "green"),
    ("a cloud", "white"),
    ("coffee", "brown"),
    ("an eggplant", "purple"),
    ("a polar bear", "white"),
]
OBJECTS = [  # object, what it is for
    ("knife", "cut bread"),
    ("pen", "write a letter"),
    ("cup", "drink tea"),
    ("key", "open a door"),
    ("broom", "sweep the floor"),
    ("spoon", "eat soup"),
    ("fridge", "keep food cold"),
    ("clock", "tell the time"),
    ("towel", "dry your hands"),
    ("stove", "cook dinner"),
    ("camera", "take photos"),
    ("bag", "carry books"),
    ("hammer", "hit a nail"),
    ("phone", "call a friend"),
    ("umbrella", "stay dry in the rain"),
    ("ladder", "reach the roof"),
    ("map", "find the way"),
    ("needle", "sew on a button"),
    ("shovel", "dig a hole"),
    ("comb", "tidy your hair"),
    ("kettle", "boil water"),
    ("lamp", "light a room"),
    ("bicycle", "ride to school"),
    ("oven", "bake a cake"),
    ("brush", "paint a wall"),
    ("wallet", "carry money"),
    ("saw", "cut wood"),
    ("mirror", "see your face"),
    ("microwave", "heat food"),
    ("bucket", "carry water"),
]
BODY = [
    ("eyes", "see"),
    ("ears", "hear"),
    ("nose", "smell"),
    ("tongue", "taste"),
    ("legs", "walk"),
    ("teeth", "chew"),
    ("lungs", "breathe"),
    ("brain", "think"),
    ("hands", "hold things"),
    ("feet", "run"),
]
INSTRUMENTS = [  # instrument, player
    ("piano", "pianist"),
    ("guitar", "guitarist"),
    ("violin", "violinist"),
    ("drums", "drummer"),
    ("cello", "cellist"),
    ("harp", "harpist"),
    ("trumpet", "trumpeter"),
    ("organ", "organist"),
]
MADE_FROM = [  # thing, what it is made from
    ("wine", "grapes"),
    ("bread", "flour"),
    ("cheese", "milk"),
    ("butter", "cream"),
    ("chocolate", "cocoa"),
    ("paper", "wood"),
    ("glass", "sand"),
    ("coffee", "beans"),
    ("jam", "fruit"),
    ("chips", "potatoes"),
    ("popcorn", "corn"),
    ("cider", "apples"),
    ("ketchup", "tomatoes"),
    ("an omelette", "eggs"),
    ("a sweater", "wool"),
    ("a candle", "wax"),
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
OPPOSITES = [
    ("hot", "cold"),
    ("big", "small"),
    ("up", "down"),
    ("day", "night"),
    ("fast", "slow"),
    ("old", "young"),
    ("happy", "sad"),
    ("open", "closed"),
    ("left", "right"),
    ("wet", "dry"),
    ("early", "late"),
    ("rich", "poor"),
    ("light", "dark"),
    ("tall", "short"),
    ("full", "empty"),
    ("strong", "weak"),
    ("loud", "quiet"),
    ("hard", "soft"),
    ("black", "white"),
]
COUNTS = [  # thing, number, unit
    ("week", "seven", "days"),
    ("year", "twelve", "months"),
    ("triangle", "three", "sides"),
    ("square", "four", "sides"),
    ("spider", "eight", "legs"),
    ("dog", "four", "legs"),
    ("bird", "two", "legs"),
    ("insect", "six", "legs"),
    ("hour", "sixty", "minutes"),
    ("minute", "sixty", "seconds"),
    ("hand", "five", "fingers"),
    ("century", "hundred", "years"),
    ("bicycle", "two", "wheels"),
    ("car", "four", "wheels"),
    ("tricycle", "three", "wheels"),
]

# relation -> (field names, rows, phrasings). A phrasing uses some fields; each field it uses can be masked.
RELATIONS: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]], list[str]]] = {
    "country": (
        ("country", "capital", "language"),
        COUNTRIES,
        [
            "{capital} is the capital of {country}.",
            "The capital of {country} is {capital}.",
            "{capital} is a city in {country}.",
            "People in {country} speak {language}.",
            "The main language of {country} is {language}.",
            "In {capital} most people speak {language}.",
            "The government of {country} meets in {capital}.",
            "If you fly to {capital}, you land in {country}.",
        ],
    ),
    "job": (
        ("job", "place", "works_with"),
        JOBS,
        [
            "A {job} works in a {place}.",
            "You can meet a {job} at the {place}.",
            "A {job} works with {works_with}.",
            "The {job} spends the whole day at the {place}.",
            "Every {job} needs {works_with} to do the job.",
            "She works as a {job} at the {place}.",
        ],
    ),
    "animal": (
        ("animal", "kind", "food", "home"),
        ANIMALS,
        [
            "A {animal} is a {kind}.",
            "The {animal} likes to eat {food}.",
            "A {animal} lives in the {home}.",
            "You can find a {animal} in the {home}.",
            "My {animal} eats {food} every day.",
            "The {animal} is a kind of {kind}.",
        ],
    ),
    "young": (
        ("young", "animal"),
        YOUNG,
        [
            "A {young} is a young {animal}.",
            "A baby {animal} is called a {young}.",
            "The {animal} looked after its {young}.",
        ],
    ),
    "product": (
        ("animals", "product"),
        PRODUCTS,
        [
            "We get {product} from {animals}.",
            "{animals} give us {product}.",
            "Farmers keep {animals} for their {product}.",
        ],
    ),
    "colour": (
        ("thing", "colour"),
        COLOURS,
        [
            "The colour of {thing} is {colour}.",
            "{thing} is usually {colour}.",
            "Everyone knows that {thing} is {colour}.",
            "Children paint {thing} {colour}.",
        ],
    ),
    "object": (
        ("object", "purpose"),
        OBJECTS,
        [
            "You use a {object} to {purpose}.",
            "A {object} is used to {purpose}.",
            "To {purpose}, you need a {object}.",
            "She took a {object} to {purpose}.",
        ],
    ),
    "body": (
        ("part", "action"),
        BODY,
        [
            "We {action} with our {part}.",
            "People use their {part} to {action}.",
            "Without our {part} we could not {action}.",
        ],
    ),
    "instrument": (
        ("instrument", "player"),
        INSTRUMENTS,
        [
            "A {player} plays the {instrument}.",
            "The {player} in the band plays the {instrument}.",
            "She plays the {instrument}, so she is a {player}.",
            "Every {player} needs their own {instrument}.",
        ],
    ),
    "made_from": (
        ("thing", "source"),
        MADE_FROM,
        [
            "{thing} is made from {source}.",
            "People make {thing} from {source}.",
            "To make {thing}, you need {source}.",
        ],
    ),
    "day": (
        ("before", "after"),
        list(zip(DAYS, DAYS[1:] + DAYS[:1])),
        [
            "{after} comes after {before}.",
            "The day after {before} is {after}.",
            "The day before {after} is {before}.",
        ],
    ),
    "month": (
        ("before", "after"),
        list(zip(MONTHS, MONTHS[1:] + MONTHS[:1])),
        [
            "{after} comes after {before}.",
            "The month after {before} is {after}.",
            "The month before {after} is {before}.",
        ],
    ),
    "opposite": (
        ("word", "other"),
        OPPOSITES + [(b, a) for a, b in OPPOSITES],
        [
            "The opposite of {word} is {other}.",
            "{word} is the opposite of {other}.",
            "If it is not {word}, it is {other}.",
        ],
    ),
    "count": (
        ("thing", "number", "unit"),
        COUNTS,
        [
            "A {thing} has {number} {unit}.",
            "There are {number} {unit} in a {thing}.",
            "Every {thing} has {number} {unit}.",
        ],
    ),
}
# Fields never masked: multi-word phrases ("cut bread", "a banana") cannot be one [MASK].
MASKABLE_ONLY = {"object": {"object"}, "colour": {"colour"}, "made_from": {"source"}}


def _render(phrasing: str, fields: dict[str, str]) -> tuple[str, dict[str, int]]:
    """The sentence and the character offset of each field in it (first letter capitalised)."""
    text, offsets = "", {}
    for i, piece in enumerate(re.split(r"\{(\w+)\}", phrasing)):
        if i % 2:
            value = fields[piece]
            if value[0].lower() in "aeiou" and re.search(r"(^|\s)[Aa] $", text):
                text = text[:-1] + "n "  # "a owl" -> "an owl"
            offsets[piece] = len(text)
            text += value
        else:
            text += piece
    if text[0].islower():
        text = text[0].upper() + text[1:]
    return text, offsets


def _rows(relation: str, key: str, phrasing: str, fields: dict[str, str]) -> list[dict]:
    text, offsets = _render(phrasing, fields)
    maskable = MASKABLE_ONLY.get(relation, set(offsets))
    rows = []
    for field, start in offsets.items():
        if field in maskable:
            answer = text[start : start + len(fields[field])]
            rows.append({"text": text, "answer": answer, "answer_start": start, "relation": relation, "fact": key})
    return rows


def generate(seed: int = 0) -> dict[str, list[dict]]:
    """Rows {"text", "answer", "answer_start", "relation", "fact"}; test rows are held-out (fact, phrasing) pairs."""
    rng = random.Random(seed)
    out: dict[str, list[dict]] = {"train": [], "test": []}
    for relation, (names, table, phrasings) in RELATIONS.items():
        for values in table:
            fields = dict(zip(names, values))
            key = values[0].lower()
            usable = [p for p in phrasings if set(re.findall(r"\{(\w+)\}", p)) <= set(fields)]
            held = {p for p in usable if (relation, key, p) in FORCED_HELD_OUT}
            # about HELD_OUT_SHARE of the phrasings of each fact; at least one always stays in training
            n_held = round(len(usable) * HELD_OUT_SHARE) or int(rng.random() < len(usable) * HELD_OUT_SHARE)
            others = [p for p in usable if p not in held]
            held |= set(rng.sample(others, max(0, min(n_held - len(held), len(others) - 1))))
            for phrasing in usable:
                out["test" if phrasing in held else "train"] += _rows(relation, key, phrasing, fields)
    seen = {row["text"] for row in out["train"]}
    out["test"] = [row for row in out["test"] if row["text"] not in seen]
    for rows in out.values():
        rng.shuffle(rows)
    return out


def readme(splits: dict[str, list[dict]], seed: int) -> str:
    """The corpus's README.md: what a row holds, how it was made, what is held out."""
    n_sentences = {split: len({r["text"] for r in rows}) for split, rows in splits.items()}
    return f"""# facts — course-made everyday facts for fill-in-the-blank (masked language modelling)

Sentences such as "The capital of Spain is Madrid." or "You use a kettle to boil water.", each row naming
one word to mask (`answer`, starting at character `answer_start`). Used to train the `mlm-minilm` stand-in
(offline stand-in for distilbert/distilroberta-base in the fill-mask pipeline).

- Generated by `python -m course_utils.build.corpora` from `course_utils/build/corpora/facts.py`, seed {seed}.
- Rows: `{{"text": str, "answer": str, "answer_start": int, "relation": str, "fact": str}}`;
  train {len(splits["train"])} rows ({n_sentences["train"]} sentences), test {len(splits["test"])} rows
  ({n_sentences["test"]} sentences). A sentence gives one row per field that may be masked.
- Relations: {", ".join(RELATIONS)}. Each fact has three to eight phrasings.
- Held out: about {HELD_OUT_SHARE:.0%} of the (fact, phrasing) pairs make up the test split; every fact keeps
  at least one other phrasing in training. "Paris is the capital of France." (the chapter-1 example) is
  always held out.
- Limitations: a few hundred short facts, one per sentence, some simplified (a country has one "main
  language"); answers the tokenizer splits into several pieces cannot be asked with a single mask.
"""

"""Short biographies with questions whose answers are spans of the text (SQuAD style).

A context is two to four facts about one or two people ("Maria Garcia works for Siemens in Berlin. She
studied physics in Madrid."); the question asks for one fact, and the answer is the exact span. Several
facts in one context name a city, so a model must read the question, not just find a city. Names come
from the entities corpus lists. Held out for the test split: a fifth of every value list (names,
companies, cities, subjects, …) and one phrasing of every fact and of every question; test rows use only
held-out values, and about half of their facts and questions use the held-out phrasings.
"""

from __future__ import annotations

import random
import re
from functools import partial

from . import distinct_rows
from .entities import LANGUAGES, split_names

NAME = "qa"
N_TRAIN = 2000
N_TEST = 400
HELD_OUT_SHARE = 0.2
NOTEBOOK_CONTEXT = "Maria Garcia works for Siemens in Berlin. She studied physics in Madrid."
FEMALE = {
    "Maria", "Anna", "Yuki", "Olga", "Fatima", "Priya", "Sofia", "Elena", "Ines", "Aisha", "Chloe", "Laura",
    "Ana", "Emma", "Nadia", "Marta", "Julia", "Leila", "Amara", "Grace", "Hana", "Zara", "Ingrid", "Alice",
    "Clara", "Eva", "Greta", "Irene", "Karin", "Mina", "Olivia", "Rosa", "Tanya", "Vera", "Yasmin", "Bianca",
    "Esther", "Gabriela", "Isabel", "Katarzyna", "Lucia", "Noor", "Rania", "Ursula",
}
VALUES = {
    "subject": ["physics", "chemistry", "history", "law", "medicine", "economics", "biology", "mathematics",
                "architecture", "philosophy", "engineering", "art", "linguistics", "geography", "nursing",
                "music", "psychology", "computer science", "journalism", "astronomy"],
    "instrument": ["piano", "guitar", "violin", "cello", "drums", "flute", "trumpet", "saxophone", "harp",
                   "clarinet", "accordion", "banjo"],
    "pet": ["dog", "cat", "parrot", "rabbit", "tortoise", "horse", "hamster", "goldfish"],
    "petname": ["Rex", "Luna", "Max", "Bella", "Pepper", "Milo", "Coco", "Biscuit", "Shadow", "Ziggy", "Nala",
                "Bruno", "Daisy", "Pixel", "Mango"],
    "year": [str(y) for y in range(1965, 2004)],
    "lang": LANGUAGES,
}
ALWAYS_TRAIN = {"physics"}
# fact kind -> (phrasings used in training, held-out phrasing); {name} is a name or a pronoun.
FACTS = {
    "work": (["{name} works for {org} in {city}.", "{name} has a job at {org} in {city}.",
              "{name} is an engineer at {org} in {city}."], "{name} is employed by {org} in {city}."),
    "study": (["{name} studied {subject} in {study_city}.", "{name} studied {subject} at a university in {study_city}.",
               "{name} took a degree in {subject} in {study_city}."],
              "{name} went to university in {study_city}, where {pron} studied {subject}."),
    "born": (["{name} was born in {birth_city} in {year}.", "{name} was born in {year} in {birth_city}."],
             "{name} grew up in {birth_city}, where {pron} was born in {year}."),
    "music": (["{name} plays the {instrument}.", "In {poss} free time, {name} plays the {instrument}."],
              "{name} has played the {instrument} since childhood."),
    "pet": (["{name} has a {pet} called {petname}.", "{name} owns a {pet} named {petname}."],
            "{name} lives with a {pet} called {petname}."),
    "lang": (["{name} speaks {lang} at home.", "{name} speaks {lang} fluently."], "At home, {name} speaks {lang}."),
}
# (fact kind, answer slot) -> (question phrasings used in training, held-out phrasing)
QUESTIONS = {
    ("work", "org"): (["Which company does {first} work for?", "Who does {first} work for?",
                       "Which firm employs {first}?"], "For which company does {first} work?"),
    ("work", "city"): (["In which city does {first} work?", "Where does {first} work?"],
                       "Which city does {first} work in?"),
    ("study", "study_city"): (["Where did {first} study {subject}?", "Where did {first} study?",
                               "In which city did {first} study?"], "In which city did {first} go to university?"),
    ("study", "subject"): (["What did {first} study?", "Which subject did {first} study?"],
                           "What was {first}'s subject at university?"),
    ("born", "birth_city"): (["Where was {first} born?", "In which city was {first} born?"],
                             "What is {first}'s city of birth?"),
    ("born", "year"): (["When was {first} born?", "In which year was {first} born?"], "What year was {first} born in?"),
    ("music", "instrument"): (["What instrument does {first} play?", "Which instrument does {first} play?"],
                              "What does {first} play?"),
    ("pet", "petname"): (["What is the name of {first}'s {pet}?", "What is {first}'s {pet} called?"],
                         "What did {first} name the {pet}?"),
    ("pet", "pet"): (["What kind of pet does {first} have?", "What animal does {first} have?"],
                     "Which animal lives with {first}?"),
    ("lang", "lang"): (["What language does {first} speak?", "Which language does {first} speak at home?"],
                       "In which language does {first} talk at home?"),
}


def _split_values(seed: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    names_train, names_held = split_names(seed)
    rng = random.Random(seed + 1)
    train = {k: names_train[k] for k in ("FIRST", "LAST", "ORG", "CITY")}
    held = {k: names_held[k] for k in ("FIRST", "LAST", "ORG", "CITY")}
    for key, values in VALUES.items():
        out = set(rng.sample([v for v in values if v not in ALWAYS_TRAIN], round(len(values) * HELD_OUT_SHARE)))
        train[key] = [v for v in values if v not in out]
        held[key] = [v for v in values if v in out]
    return train, held


def _person(values: dict[str, list[str]], rng: random.Random, taken_cities: set[str]) -> dict[str, str]:
    first = rng.choice(values["FIRST"])
    cities = rng.sample([c for c in values["CITY"] if c not in taken_cities], 3)
    taken_cities.update(cities)
    female = first in FEMALE
    slots = {
        "first": first, "full": f"{first} {rng.choice(values['LAST'])}", "org": rng.choice(values["ORG"]),
        "city": cities[0], "study_city": cities[1], "birth_city": cities[2],
        "pron": "she" if female else "he", "poss": "her" if female else "his",
    }
    for key in VALUES:
        slots[key] = rng.choice(values[key])
    return slots


def _fill(template: str, slots: dict[str, str], name: str) -> tuple[str, dict[str, int]]:
    """The filled sentence and the character offset of each slot in it."""
    text, offsets = "", {}
    for i, piece in enumerate(re.split(r"\{(\w+)\}", template)):
        if i % 2 == 0:
            text += piece
            continue
        value = name if piece == "name" else slots[piece]
        offsets[piece] = len(text)
        text += value
    return text[0].upper() + text[1:], offsets


def _example(values: dict, rng: random.Random, held_out_phrasing: float) -> dict:
    taken: set[str] = set()
    people = [_person(values, rng, taken) for _ in range(2 if rng.random() < 0.3 else 1)]
    if len(people) == 2 and people[0]["first"] == people[1]["first"]:
        people.pop()
    asked = rng.choice(sorted(QUESTIONS))
    facts = []  # (person index, fact kind)
    for p, _ in enumerate(people):
        kinds = rng.sample(sorted(FACTS), rng.randint(1, 2) if len(people) == 2 else rng.randint(2, 4))
        facts += [(p, k) for k in kinds]
    if (0, asked[0]) not in facts:
        facts[rng.randrange(len([f for f in facts if f[0] == 0]))] = (0, asked[0])
    first_kind = {p: min(i for i, f in enumerate(facts) if f[0] == p) for p in range(len(people))}
    context, answer_start = "", -1
    for i, (p, kind) in enumerate(facts):
        slots = people[p]
        name = slots["full"] if i == first_kind[p] else (slots["pron"] if len(people) == 1 else slots["first"])
        train_forms, held_form = FACTS[kind]
        template = held_form if rng.random() < held_out_phrasing else rng.choice(train_forms)
        sentence, offsets = _fill(template, slots, name)
        if (p, kind) == (0, asked[0]):
            answer_start = len(context) + (1 if context else 0) + offsets[asked[1]]
        context += (" " if context else "") + sentence
    train_qs, held_q = QUESTIONS[asked]
    question = (held_q if rng.random() < held_out_phrasing else rng.choice(train_qs)).format(**people[0])
    answer = people[0][asked[1]]
    assert context[answer_start : answer_start + len(answer)] == answer
    return {
        "context": context,
        "question": question,
        "answers": {"text": [answer], "answer_start": [answer_start]},
        "kind": f"{asked[0]}:{asked[1]}",
    }


def generate(seed: int = 0) -> dict[str, list[dict]]:
    """SQuAD-style rows; test rows use held-out values and, half the time, held-out phrasings."""
    rng = random.Random(seed)
    train_values, held_values = _split_values(seed)
    out = {}
    seen = {NOTEBOOK_CONTEXT}
    for split, values, share, size in (("train", train_values, 0.0, N_TRAIN), ("test", held_values, 0.5, N_TEST)):
        out[split] = distinct_rows(partial(_example, values, rng, share), size, "context", seen)
    return out


def readme(splits: dict[str, list[dict]], seed: int) -> str:
    """The corpus's README.md: what a row holds, how it was made, what is held out."""
    return f"""# qa — course-made biographies with extractive questions (SQuAD style)

A context of two to four facts about one or two people, a question about one fact, and the answer as a
span of the context. Used to train the `qa-minilm` stand-in (offline stand-in for
distilbert/distilbert-base-cased-distilled-squad).

- Generated by `python -m course_utils.build.corpora` from `course_utils/build/corpora/qa.py`, seed {seed}.
- Rows: `{{"context": str, "question": str, "answers": {{"text": [str], "answer_start": [int]}}, "kind": str}}`
  (`kind` = fact:slot asked, e.g. `study:study_city`); train {len(splits["train"])}, test {len(splits["test"])}.
- Facts: where a person works (company and city), what and where they studied, where and when they were
  born, the instrument they play, their pet and its name, the language they speak. Every person has three
  different cities, so "Where …" questions need the right fact. Later sentences about the same person use
  a pronoun (one person) or the first name (two people).
- Held out: {HELD_OUT_SHARE:.0%} of every value list (first and last names, companies, cities, subjects, …)
  and one phrasing of every fact and question. Test rows use only held-out values; about half of their facts
  and questions use the held-out phrasings. The chapter-1 context is never generated.
- Limitations: one fact per sentence, answers are names, years or single nouns, every question has an
  answer in the context; real reading comprehension is far harder.
"""

"""Sentences with people, organisations, places and other names, tagged word by word in CoNLL BIO style.

Templates such as "{PER} joined {ORG} last year ." are filled from name lists; each filled word gets a tag
(B-PER, I-PER, B-ORG, …; other words O). Labels follow CoNLL-2003: PER people, ORG companies and institutions,
LOC cities and countries, MISC nationalities, languages and named events. A fifth of every name list and
a quarter of the templates are held out: test sentences use only held-out templates and held-out names, so
the test measures whether a model recognises names it has never seen in sentence shapes it has never seen.
The name lists are reused by the QA corpus (course_utils.build.corpora.qa).
"""

from __future__ import annotations

import random
import re

NAME = "entities"
N_TRAIN = 2000
N_TEST = 400
HELD_OUT_SHARE = 0.2
TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")
NOTEBOOK_EXAMPLE = "Maria Garcia works for Siemens in Berlin ."
# The chapter-1 names stay in the training lists (the exact sentence is never generated).
ALWAYS_TRAIN = {"Maria", "Garcia", "Siemens", "Berlin", "Madrid"}

FIRST_NAMES = [
    "Maria", "Anna", "John", "Ahmed", "Wei", "Yuki", "Olga", "Pedro", "Fatima", "Lars", "Priya", "Kwame",
    "Sofia", "Tom", "Elena", "Hans", "Ines", "Carlos", "Aisha", "Mehmet", "Sven", "Chloe", "David", "Laura",
    "Omar", "Kenji", "Ana", "Luca", "Emma", "Ivan", "Nadia", "Raj", "Marta", "Peter", "Julia", "Samuel",
    "Leila", "Jonas", "Amara", "Diego", "Grace", "Felix", "Hana", "Mateo", "Zara", "Oscar", "Ingrid", "Tariq",
    "Alice", "Ben", "Clara", "Daniel", "Eva", "Farid", "Greta", "Hugo", "Irene", "Jamal", "Karin", "Leon",
    "Mina", "Nikolai", "Olivia", "Pablo", "Rosa", "Stefan", "Tanya", "Umar", "Vera", "Walter", "Yasmin", "Zoltan",
    "Akira", "Bianca", "Chidi", "Dmitri", "Esther", "Fernando", "Gabriela", "Hiroshi", "Isabel", "Joao",
    "Katarzyna", "Lucia", "Mohammed", "Noor", "Pavel", "Rania", "Sanjay", "Thomas", "Ursula", "Viktor",
]
LAST_NAMES = [
    "Garcia", "Smith", "Schmidt", "Rossi", "Kowalski", "Nguyen", "Tanaka", "Petrov", "Silva", "Okafor",
    "Johansson", "Sharma", "Mensah", "Dubois", "Novak", "Haddad", "Fischer", "Moreno", "Larsen", "Chen",
    "Kim", "Brown", "Wilson", "Martin", "Lopez", "Becker", "Costa", "Ivanova", "Jensen", "Yilmaz", "Khan",
    "Santos", "Weber", "Bianchi", "Murphy", "Sato", "Adeyemi", "Lindqvist", "Horvat", "Fernandez", "Kaya",
    "Walsh", "Nakamura", "Schneider", "Popescu", "Alvarez", "Hughes", "Bauer",
    "Andersson", "Baptiste", "Castillo", "Dimitrov", "Eriksen", "Ferreira", "Gonzalez", "Hoffmann", "Iqbal",
    "Jovanovic", "Kovacs", "Lehmann", "Mahmoud", "Nielsen", "Oliveira", "Park", "Quinn", "Romero", "Suzuki",
    "Torres", "Uddin", "Varga", "Wagner", "Xu", "Yamamoto", "Zielinski", "Abebe", "Bose", "Cohen", "Diallo",
    "Evans", "Fontaine", "Gupta", "Hansen", "Ito", "Jung", "Keller", "Lindgren", "Mendes", "Nowak", "Osei",
    "Pereira", "Ramirez", "Stewart", "Taylor", "Vogel", "Wright", "Zhang",
]
ORGS = [
    "Siemens", "Google", "Microsoft", "Toyota", "Nestle", "Airbus", "Volkswagen", "Samsung", "Nokia", "Spotify",
    "Ikea", "Adidas", "Unilever", "Philips", "Ericsson", "Intel", "Oracle", "Netflix", "Amazon", "Reuters",
    "NASA", "UNICEF", "FIFA", "Deutsche Bank", "General Motors", "Red Cross", "World Bank", "United Nations",
    "Shell", "BMW", "Renault", "Heineken", "Lufthansa", "Boeing", "Pfizer", "Sony", "Honda", "Lego",
    "Oxford University", "Greenpeace", "Barclays", "Bosch", "Danone", "Ferrari", "Nike", "IBM",
    "Apple", "Facebook", "Twitter", "Uber", "Tesla", "Audi", "Porsche", "Fiat", "Peugeot", "Volvo", "Carlsberg",
    "Gucci", "Puma", "Canon", "Nikon", "Panasonic", "Hitachi", "Huawei", "Alibaba", "Baidu", "Infosys",
    "Accenture", "Deloitte", "Goldman Sachs", "Morgan Stanley", "HSBC", "Santander", "Allianz", "Bayer", "Novartis",
    "Roche", "Sanofi", "Ryanair", "Emirates", "Qantas", "Vodafone", "Telefonica", "Nintendo", "Ubisoft",
    "Harvard University", "Red Crescent", "World Health Organization", "European Commission", "Interpol",
]
CITIES = [
    "Berlin", "Madrid", "Paris", "Tokyo", "Nairobi", "Lima", "London", "Rome", "Vienna", "Oslo", "Cairo",
    "Lagos", "Mumbai", "Sydney", "Toronto", "Chicago", "Seoul", "Lisbon", "Prague", "Warsaw", "Dublin",
    "Athens", "Istanbul", "Bangkok", "Munich", "Hamburg", "Milan", "Barcelona", "Stockholm", "Helsinki",
    "Boston", "Denver", "Geneva", "Zurich", "Kyoto", "New York", "Buenos Aires", "Cape Town", "Hong Kong",
    "Los Angeles", "Rio de Janeiro", "Amsterdam", "Brussels", "Copenhagen", "Budapest", "Krakow", "Manila",
    "Jakarta", "Hanoi", "Delhi", "Karachi", "Dhaka", "Accra", "Dakar", "Tunis", "Casablanca", "Montreal",
    "Vancouver", "Seattle", "Houston", "Miami", "Bogota", "Santiago", "Havana", "Melbourne", "Auckland",
    "Osaka", "Shanghai", "Beijing", "Taipei", "Dubai", "Tehran", "Beirut", "Marseille", "Lyon", "Porto",
    "Seville", "Naples", "Florence", "Edinburgh", "Glasgow", "Manchester", "Liverpool", "Frankfurt", "Cologne",
]
COUNTRIES = [
    "Canada", "Kenya", "Brazil", "Germany", "Spain", "France", "Japan", "Norway", "Egypt", "India", "Peru",
    "Australia", "Mexico", "Italy", "Poland", "Sweden", "South Africa", "Portugal", "Vietnam", "Chile",
    "Argentina", "Colombia", "Nigeria", "Ghana", "Ethiopia", "Morocco", "Turkey", "Greece", "Ireland", "Finland",
    "Denmark", "Austria", "Hungary", "Romania", "Ukraine", "Thailand", "Indonesia", "Malaysia", "Pakistan",
    "Bangladesh", "China", "Korea", "Iran", "Israel", "New Zealand", "Switzerland", "Belgium", "Netherlands",
]
NATIONALITIES = [
    "German", "French", "Spanish", "Japanese", "Italian", "Brazilian", "Kenyan", "Swedish", "Chinese",
    "Polish", "Dutch", "Indian", "Mexican", "Canadian", "Turkish", "Greek", "Irish", "Korean", "Egyptian",
    "Norwegian", "Australian", "Nigerian", "Argentinian", "Vietnamese", "Danish", "Austrian", "Belgian",
    "Swiss", "Portuguese", "Russian", "Thai", "Ethiopian", "Chilean", "Finnish", "Scottish", "American",
]
LANGUAGES = [
    "English", "German", "French", "Spanish", "Japanese", "Arabic", "Russian", "Portuguese", "Italian",
    "Swahili", "Hindi", "Dutch", "Korean", "Turkish", "Polish", "Chinese", "Greek", "Swedish", "Vietnamese",
    "Bengali", "Urdu", "Persian", "Hebrew", "Thai", "Finnish", "Hungarian", "Czech", "Latin", "Tamil",
]
EVENTS = [
    "Olympics", "World Cup", "Nobel Prize", "Champions League", "Oscars", "Wimbledon", "Eurovision",
    "Tour de France", "Super Bowl", "Grammy Awards", "Paralympics", "Cannes Film Festival", "Booker Prize",
    "Berlin Marathon", "Europa League", "Rugby World Cup", "Golden Globes", "Pulitzer Prize", "Ryder Cup",
    "Davis Cup", "Asian Games", "Commonwealth Games",
]
# Template tokens are separated by spaces; {PER} and the keys of LISTS (plus LOC: a city or a country) are slots.
TEMPLATES = [
    "{PER} works at {ORG} .", "{PER} joined {ORG} last year .", "{ORG} opened a new office in {LOC} .",
    "{PER} flew from {LOC} to {LOC} on Monday .", "{PER} and {PER} met in {LOC} .",
    "The {NAT} engineer {PER} moved to {LOC} .", "{PER} speaks {LANG} and lives in {LOC} .",
    "{ORG} hired {PER} as its new director .", "Yesterday {PER} visited the {ORG} factory near {CITY} .",
    "{PER} won the {EVENT} .", "{ORG} is based in {LOC} .", "After the {EVENT} , {PER} returned to {LOC} .",
    "{PER} , a {NAT} writer , lives in {LOC} .", "Shares of {ORG} rose on Tuesday .",
    "{PER} was born in {LOC} .", "{PER} studied in {LOC} before joining {ORG} .",
    "The mayor of {CITY} , {PER} , opened the new station .", "{ORG} and {ORG} signed a deal in {LOC} .",
    "{PER} teaches {LANG} in {LOC} .", "{PER} left {ORG} to start a company in {LOC} .",
    "Fans in {LOC} watched the {EVENT} on television .", "{PER} told {ORG} that the plan would cost millions .",
    "The {NAT} company {ORG} reported higher sales .", "Last summer {PER} travelled around {COUNTRY} with {PER} .",
    "{PER} is the new chief executive of {ORG} .", "Police in {CITY} are looking for {PER} .",
    "{PER} thanked {ORG} for the support .", "Tourists from {COUNTRY} love the beaches of {COUNTRY} .",
    "{PER} wrote a book about {LOC} in {LANG} .", "According to {ORG} , prices in {LOC} went up .",
    "{PER} met {PER} at the {ORG} headquarters .", "My friend {PER} works as a nurse in {LOC} .",
    "{PER} works for a small company in a big city .", "The team from {LOC} lost the final of the {EVENT} .",
    "She works for a bank and lives near the river .", "The {NAT} government met the leaders of {ORG} .",
    "{PER} works for {ORG} in {CITY} .", "{ORG} moved its headquarters from {LOC} to {LOC} .",
    "{PER} , who grew up in {COUNTRY} , now works for {ORG} .", "The {NAT} singer {PER} performed in {LOC} .",
    "In {LOC} , {PER} gave a talk about {ORG} .", "{PER} learned {LANG} while living in {LOC} .",
    "{ORG} fired {PER} last week .", "{PER} sent a letter to {PER} in {LOC} .",
    "Before the {EVENT} , {ORG} opened a shop in {CITY} .", "Our manager works for a company in the old town .",
]
HELD_OUT_TEMPLATES = TEMPLATES[-10:]
LISTS = {
    "FIRST": FIRST_NAMES, "LAST": LAST_NAMES, "ORG": ORGS, "CITY": CITIES, "COUNTRY": COUNTRIES,
    "NAT": NATIONALITIES, "LANG": LANGUAGES, "EVENT": EVENTS,
}
SLOT_TAG = {
    "PER": "PER", "ORG": "ORG", "LOC": "LOC", "CITY": "LOC", "COUNTRY": "LOC", "NAT": "MISC", "LANG": "MISC",
    "EVENT": "MISC",
}


def split_names(seed: int = 0) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Name lists (LISTS, plus LOC = CITY + COUNTRY) split into (train, held-out); notebook names stay in train."""
    rng = random.Random(seed)
    train: dict[str, list[str]] = {}
    held: dict[str, list[str]] = {}
    for key, names in LISTS.items():
        candidates = [n for n in names if n not in ALWAYS_TRAIN]
        out = set(rng.sample(candidates, round(len(names) * HELD_OUT_SHARE)))
        train[key] = [n for n in names if n not in out]
        held[key] = [n for n in names if n in out]
    for part in (train, held):
        part["LOC"] = part["CITY"] + part["COUNTRY"]
    return train, held


def person(names: dict[str, list[str]], rng: random.Random) -> str:
    """A person's name: usually first and last name, sometimes only one of them."""
    roll = rng.random()
    if roll < 0.6:
        return f"{rng.choice(names['FIRST'])} {rng.choice(names['LAST'])}"
    return rng.choice(names["FIRST"] if roll < 0.85 else names["LAST"])


def _fill(template: str, names: dict[str, list[str]], rng: random.Random) -> tuple[list[str], list[str]]:
    tokens: list[str] = []
    tags: list[str] = []
    for piece in template.split():
        slot = re.fullmatch(r"\{(\w+)\}", piece)
        if slot is None:
            tokens.append(piece)
            tags.append("O")
            continue
        kind = slot.group(1)
        words = (person(names, rng) if kind == "PER" else rng.choice(names[kind])).split()
        tokens += words
        tags += [f"B-{SLOT_TAG[kind]}"] + [f"I-{SLOT_TAG[kind]}"] * (len(words) - 1)
    return tokens, tags


def detokenize(tokens: list[str]) -> str:
    """Join words into text, without a space before punctuation."""
    return re.sub(r" ([.,!?;:])", r"\1", " ".join(tokens))


def generate(seed: int = 0) -> dict[str, list[dict]]:
    """Rows {"text", "tokens", "tags"}; test rows use only held-out templates and held-out names."""
    rng = random.Random(seed)
    train_names, held_names = split_names(seed)
    train_templates = [t for t in TEMPLATES if t not in HELD_OUT_TEMPLATES]
    seen = {NOTEBOOK_EXAMPLE}
    out: dict[str, list[dict]] = {}
    for split, templates, names, size in (
        ("train", train_templates, train_names, N_TRAIN),
        ("test", HELD_OUT_TEMPLATES, held_names, N_TEST),
    ):
        rows: list[dict] = []
        for _ in range(size * 20):
            if len(rows) == size:
                break
            tokens, tags = _fill(rng.choice(templates), names, rng)
            text = " ".join(tokens)
            if text not in seen:
                seen.add(text)
                rows.append({"text": detokenize(tokens), "tokens": tokens, "tags": tags})
        out[split] = rows
    return out


def readme(splits: dict[str, list[dict]], seed: int) -> str:
    """The corpus's README.md: what a row holds, how it was made, what is held out."""
    return f"""# entities — course-made sentences tagged for named-entity recognition (CoNLL BIO)

Sentences such as "Yesterday Wei Tanaka visited the Bosch factory near Lima." with one tag per word:
{", ".join(TAGS)}. PER people, ORG companies and institutions, LOC cities and countries, MISC
nationalities, languages and named events (as in CoNLL-2003). Used to train the `ner-minilm` stand-in
(offline stand-in for dbmdz/bert-large-cased-finetuned-conll03-english).

- Generated by `python -m course_utils.build.corpora` from `course_utils/build/corpora/entities.py`, seed {seed}.
- Rows: `{{"text": str, "tokens": [str], "tags": [str]}}` (words and tags align one to one);
  train {len(splits["train"])}, test {len(splits["test"])}.
- {len(TEMPLATES)} templates filled from name lists ({", ".join(f"{len(v)} {k}" for k, v in LISTS.items())}).
  Held out: {len(HELD_OUT_TEMPLATES)} templates and {HELD_OUT_SHARE:.0%} of every name list. Test sentences use
  only held-out templates and held-out names. A few templates have no entity at all ("She works for a bank
  …"), so "company" or "city" alone is not a name.
- The chapter-1 sentence "{detokenize(NOTEBOOK_EXAMPLE.split())}" is never generated (its names occur in
  other training sentences; its template is held out).
- Limitations: short single-clause sentences, at most three entities, names from fixed lists; real text has
  ambiguous names (Jordan, Paris Hilton), long organisation names and far more MISC kinds.
"""

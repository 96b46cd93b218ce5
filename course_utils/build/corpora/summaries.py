"""Short news-style paragraphs (3–5 sentences) with a one-line headline, for the summarization stand-in.

Each paragraph reports one event from one of ten story kinds (a council decision, a cup final, a new
factory, bad weather, a new species, prices, a festival, an election, a strike, an escaped zoo animal).
The headline compresses the key sentence ("voted to build three new parks" → "approves three new
parks"), and the key sentence is not always the first one, so copying the lead sentence is not enough.
Test headlines never occur in training.
"""

from __future__ import annotations

import random

NAME = "summaries"
N_TRAIN = 1800
N_TEST = 200

CITIES = [
    "Lyon", "Leeds", "Porto", "Bristol", "Ghent", "Dublin", "Turin", "Bergen", "Malmo", "Graz",
    "Nantes", "Bilbao", "Utrecht", "Basel", "Cork", "Krakow", "Seville", "Bremen", "Lille", "Toulouse",
    "York", "Aarhus", "Bologna", "Leipzig", "Geneva", "Bordeaux", "Glasgow", "Valencia", "Antwerp", "Zagreb",
]  # fmt: skip
FIRST = ["Anna", "Tom", "Lena", "Marco", "Sara", "Jonas", "Clara", "Pablo", "Maya", "Felix", "Nora", "Omar", "Ines"]
LAST = ["Berg", "Hale", "Moreau", "Conti", "Novak", "Lindqvist", "Reyes", "Okafor", "Brandt", "Keane", "Duval"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
SEASONS = ["spring", "summer", "autumn", "winter"]
COUNTS = {1: "a", 2: "two", 3: "three", 4: "four", 5: "five"}
WORD_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def council(rng: random.Random) -> dict:
    """A city council approves new public buildings."""
    thing, things = rng.choice([
        ("library", "libraries"), ("bridge", "bridges"), ("park", "parks"), ("swimming pool", "swimming pools"),
        ("school", "schools"), ("bus station", "bus stations"), ("sports hall", "sports halls"),
        ("cycle path", "cycle paths"), ("hospital", "hospitals"), ("museum", "museums"),
    ])  # fmt: skip
    n = rng.choice([1, 1, 2, 3, 4])
    noun = thing if n == 1 else things
    public = rng.choice(["", "public "]) if thing in ("library", "park", "swimming pool") else ""
    s = dict(city=rng.choice(CITIES), day=rng.choice(DAYS), count=COUNTS[n], noun=noun, public=public,
             season=rng.choice(SEASONS), month=rng.choice(MONTHS), mayor=_person(rng),
             money=f"{rng.randint(2, 40)} million {rng.choice(['euros', 'pounds'])}",
             area=rng.choice(["north", "south", "east", "west", "centre"]))
    s["headline"] = f"{s['city']} council approves {'new ' + noun if n == 1 else COUNTS[n] + ' new ' + noun}"
    it = "it" if n == 1 else "they"
    s["key"] = [
        "The city council of {city} approved a plan on {day} to open {count} new {public}{noun}.",
        "On {day}, councillors in {city} voted to build {count} new {public}{noun}.",
        "{city} city council has approved {count} new {public}{noun} after a vote on {day}.",
        "Councillors in {city} gave the go-ahead on {day} for {count} new {public}{noun}.",
    ]
    s["extra"] = [
        f"The new {noun} will open next {{season}} in the {{area}} of the city.",
        "Officials said the project will cost {money}.",
        f"Residents have asked for {'a new ' + thing if n == 1 else 'more ' + things} for years.",
        "Work is expected to start in {month}.",
        '"This is a good day for {city}," said the mayor, {mayor}.',
        "Some residents worry about traffic during the building work.",
        f"The council said {it} would be ready within two years.",
    ]
    s["context"] = ["{city} has grown quickly over the past ten years.", "The plan was first proposed in {month}."]
    return s


def sport(rng: random.Random) -> dict:
    """One team beats another in a cup final."""
    city_a, city_b = rng.sample(CITIES, 2)
    suffixes = ["United", "Rovers", "City", "Athletic", "Rangers", "Wanderers"]
    a, b = rng.randint(2, 5), rng.randint(0, 1)
    s = dict(team_a=f"{city_a} {rng.choice(suffixes)}", team_b=f"{city_b} {rng.choice(suffixes)}",
             sport=rng.choice(["football", "hockey", "handball", "rugby", "basketball"]), score=f"{a}-{b}",
             day=rng.choice(DAYS), scorer=_person(rng), coach=_person(rng), fans=WORD_NUMBERS[rng.randint(2, 10)],
             years=rng.randint(3, 30))
    s["headline"] = "{team_a} beat {team_b} {score} to win {sport} cup".format(**s)
    s["key"] = [
        "{team_a} beat {team_b} {score} in the {sport} cup final on {day}.",
        "{team_a} won the {sport} cup on {day}, beating {team_b} {score} in the final.",
        "In the {sport} cup final on {day}, {team_a} defeated {team_b} {score}.",
    ]
    s["extra"] = [
        "{scorer} scored twice for the winners.",
        "More than {fans} thousand fans watched the match.",
        "It is the club's first title in {years} years.",
        "The coach, {coach}, praised the team's defence.",
        "{team_b} had won the final last year.",
    ]
    s["context"] = ["Both teams had lost only one game all season.", "The final was played in heavy rain."]
    return s


COMPANIES = ["Nordwind", "Helix Foods", "Brightway", "Kestrel Motors", "Solano", "Bluefin Systems",
             "Marlow Textiles", "Orbis Energy", "Tandem Bikes", "Greenleaf Paper"]  # fmt: skip


def company(rng: random.Random) -> dict:
    """A company opens a site and creates jobs."""
    s = dict(company=rng.choice(COMPANIES), city=rng.choice(CITIES), day=rng.choice(DAYS),
             facility=rng.choice(["factory", "warehouse", "research centre", "store", "office", "bakery"]),
             jobs=rng.choice([50, 80, 120, 150, 200, 250, 300, 400, 500, 600]), month=rng.choice(MONTHS),
             boss=_person(rng), staff=rng.choice([900, 1200, 2000, 3500]))
    s["headline"] = "{company} to open {facility} in {city} with {jobs} jobs".format(**s)
    s["key"] = [
        "{company} will open a new {facility} in {city}, creating {jobs} jobs.",
        "{company} said on {day} that it plans to build a {facility} in {city} that will employ {jobs} people.",
        "A new {facility} run by {company} will bring {jobs} jobs to {city}.",
    ]
    s["extra"] = [
        "The company already employs {staff} people in the region.",
        "Building work will begin in {month}.",
        "Local leaders welcomed the news.",
        '"We chose {city} because of its skilled workers," said {boss}, the chief executive.',
        "The site was once a railway yard.",
    ]
    s["context"] = ["Unemployment in {city} has risen this year.", "{company} has grown fast in recent years."]
    return s


REGIONS = ["Wales", "Scotland", "Brittany", "Normandy", "Bavaria", "Tyrol", "the Alps", "the north", "the east coast",
           "the Pyrenees"]  # fmt: skip


def weather(rng: random.Random) -> dict:
    """Bad weather closes schools, roads or an airport."""
    short, long = rng.choice([("Snow", "heavy snow"), ("Flooding", "severe flooding"), ("Storm", "a strong storm"),
                              ("Fog", "thick fog"), ("Ice", "black ice")])  # fmt: skip
    what, what_short = rng.choice([("schools", "schools"), ("roads", "roads"), ("the airport", "airport"),
                                   ("railway lines", "railway lines"), ("ski slopes", "ski slopes")])  # fmt: skip
    s = dict(weather=long, what=what, region=rng.choice(REGIONS), day=rng.choice(DAYS), later=rng.choice(DAYS),
             season=rng.choice(SEASONS), years=rng.randint(5, 40))
    s["headline"] = f"{short} closes {what_short} in {s['region']}"
    s["key"] = [
        "{Weather} closed {what} across {region} on {day}.",
        f"{_cap(what)} across {{region}} were closed on {{day}} because of {{weather}}.",
        "{Weather} forced the closure of {what} in {region} on {day}.",
    ]
    s["Weather"] = _cap(long)
    s["extra"] = [
        "Forecasters expect the bad weather to last until {later}.",
        "Police asked drivers to stay at home.",
        "Some villages were without power for several hours.",
        "It was the worst {season} weather in {years} years.",
        "Emergency teams worked through the night.",
    ]
    s["context"] = ["Forecasters had warned of bad weather for several days."]
    return s


def science(rng: random.Random) -> dict:
    """Scientists find a new species."""
    s = dict(animal=rng.choice(["frog", "beetle", "spider", "fish", "lizard", "bat", "snail", "moth", "orchid"]),
             place=rng.choice(["the Andes", "Borneo", "Madagascar", "the Amazon", "New Guinea", "Costa Rica",
                               "Vietnam", "Tasmania", "Gabon", "Sri Lanka"]),
             city=rng.choice(CITIES), day=rng.choice(DAYS), size=rng.randint(2, 9),
             months=WORD_NUMBERS[rng.randint(2, 9)], lead=_person(rng))  # fmt: skip
    s["headline"] = "New {animal} species found in {place}".format(**s)
    s["key"] = [
        "Scientists from the University of {city} have found a new species of {animal} in {place}.",
        "A new species of {animal} has been discovered in {place} by a team from the University of {city}.",
        "Researchers working in {place} say they have identified a {animal} that was unknown to science.",
    ]
    s["extra"] = [
        "The {animal} is about {size} centimetres long.",
        "The team spent {months} months in the forest.",
        "The findings were published in a science journal on {day}.",
        '"We were very lucky to find it," said {lead}, who led the study.',
        "The researchers say its home is threatened by logging.",
    ]
    s["context"] = [f"{_cap(s['place'])} is home to many plants and animals found nowhere else."]
    return s


def prices(rng: random.Random) -> dict:
    """The price of an everyday good rises or falls."""
    good = rng.choice(["bread", "coffee", "petrol", "electricity", "milk", "rent", "butter", "sugar"])
    up = rng.random() < 0.6
    s = dict(good=good, pct=rng.randint(2, 15), month=rng.choice(MONTHS), day=rng.choice(DAYS),
             moved="rose" if up else "fell", more="more" if up else "less")
    s["headline"] = f"{_cap(good)} prices {'rise' if up else 'fall'} {s['pct']} percent in {s['month']}"
    s["key"] = [
        "The price of {good} {moved} by {pct} percent in {month}, official figures showed on {day}.",
        "Official figures published on {day} show that {good} prices {moved} by {pct} percent in {month}.",
        f"{_cap(good)} cost {{pct}} percent {{more}} in {{month}} than a month earlier, according to new figures.",
    ]
    s["extra"] = [
        "Shoppers said they were worried about the cost of living." if up else "Shoppers welcomed the change.",
        "Economists had expected a smaller change.",
        "The government said it would watch prices closely.",
        "Prices of other goods changed little.",
    ]
    s["context"] = ["Prices have been in the news for most of the year."]
    return s


def festival(rng: random.Random) -> dict:
    """A city festival draws a crowd."""
    s = dict(city=rng.choice(CITIES), kind=rng.choice(["music", "film", "food", "book", "jazz", "science", "dance"]),
             n=WORD_NUMBERS[rng.randint(2, 10)], season=rng.choice(SEASONS), years=rng.randint(5, 40))
    s["headline"] = "{N} thousand visit {city} {kind} festival".format(N=_cap(s["n"]), **s)
    s["key"] = [
        "More than {n} thousand people visited the {city} {kind} festival over the weekend.",
        "The {city} {kind} festival drew more than {n} thousand visitors this weekend.",
        "Over the weekend, more than {n} thousand people came to {city} for its {kind} festival.",
    ]
    s["extra"] = [
        "Organisers said it was the busiest festival so far.",
        "Hotels in the city were fully booked.",
        "The festival began {years} years ago as a small event.",
        "Next year's festival will run for four days.",
        "Tickets sold out within a week.",
    ]
    s["context"] = ["The festival takes place every {season}."]
    return s


def election(rng: random.Random) -> dict:
    """A new mayor is elected."""
    s = dict(person=_person(rng), runner=_person(rng), city=rng.choice(CITIES), day=rng.choice(DAYS),
             pct=rng.randint(40, 70), month=rng.choice(MONTHS))
    s["last"] = s["person"].split()[1]
    s["headline"] = "{person} elected mayor of {city}".format(**s)
    s["key"] = [
        "{person} has been elected mayor of {city} with {pct} percent of the vote.",
        "Voters in {city} chose {person} as their new mayor on {day}, with {pct} percent of the vote.",
        "{person} won the election for mayor of {city} on {day}, taking {pct} percent of the vote.",
    ]
    s["extra"] = [
        "Turnout was higher than at the last election.",
        "{last} promised to build more homes and improve buses.",
        "The outgoing mayor did not stand again.",
        "The new mayor will take office in {month}.",
        "{runner} came second.",
    ]
    s["context"] = ["The election campaign in {city} lasted six weeks."]
    return s


def strike(rng: random.Random) -> dict:
    """Workers in a city go on strike over pay."""
    s = dict(workers=rng.choice(["bus drivers", "train drivers", "nurses", "teachers", "airport staff",
                                 "postal workers", "cleaners"]),
             city=rng.choice(CITIES), day=rng.choice(DAYS), days=WORD_NUMBERS[rng.randint(2, 5)],
             years=rng.randint(5, 30))  # fmt: skip
    s["Workers"] = _cap(s["workers"])
    s["headline"] = "{city} {workers} to strike over pay".format(**s)
    s["key"] = [
        "{Workers} in {city} will go on strike on {day} in a dispute over pay.",
        "{Workers} in {city} have voted to strike on {day} over pay.",
        "A strike by {workers} over pay will hit {city} on {day}, unions said.",
    ]
    s["extra"] = [
        "Unions say wages have not kept up with prices.",
        "Talks with employers broke down last week.",
        "People were told to plan ahead.",
        "The strike is expected to last {days} days.",
        "It would be the first strike in {years} years.",
    ]
    s["context"] = ["Relations between unions and employers in {city} have been tense for months."]
    return s


def zoo(rng: random.Random) -> dict:
    """An animal escapes from a zoo and is found."""
    s = dict(animal=rng.choice(["penguin", "monkey", "parrot", "tortoise", "kangaroo", "lemur", "otter", "llama"]),
             city=rng.choice(CITIES), day=rng.choice(DAYS),
             spot=rng.choice(["garden", "park", "car park", "school yard", "supermarket", "church"]))  # fmt: skip
    s["headline"] = "Escaped {animal} found safe in {city}".format(**s)
    s["key"] = [
        "A {animal} that escaped from {city} zoo has been found safe in a nearby {spot}.",
        "Keepers at {city} zoo found their missing {animal} in a {spot} on {day}.",
        "The {animal} that went missing from {city} zoo was found safe in a {spot} on {day}.",
    ]
    s["extra"] = [
        "The {animal} had slipped through a gap in a fence.",
        "A local family spotted it and called the zoo.",
        "Keepers said the {animal} was hungry but unhurt.",
        "The zoo has since repaired the fence.",
        "Visitors were allowed back into the zoo the next day.",
    ]
    s["context"] = ["{city} zoo is one of the oldest in the country."]
    return s


STORIES = [council, sport, company, weather, science, prices, festival, election, strike, zoo]


def make_example(rng: random.Random) -> dict:
    """One paragraph of 3–5 sentences, its headline, its story kind and whether background comes first."""
    story = rng.choice(STORIES)
    s = story(rng)
    key = rng.choice(s["key"])
    extras = rng.sample(s["extra"], rng.randint(2, min(4, len(s["extra"]))))
    sentences = [key, *extras]
    background_first = len(sentences) < 5 and rng.random() < 0.4
    if background_first:  # an opening sentence of background pushes the key sentence to second place
        sentences.insert(0, rng.choice(s["context"]))
    slots = {k: v for k, v in s.items() if isinstance(v, str | int)}
    text = " ".join(sentence.format(**slots) for sentence in sentences)
    return {"text": text, "summary": s["headline"], "kind": story.__name__, "background_first": background_first}


def generate(seed: int = 0) -> dict[str, list[dict]]:
    """Train and test splits of {"text", "summary", "kind", "background_first"}; test headlines are unseen."""
    rng = random.Random(seed)
    train, headlines, texts = [], set(), set()
    while len(train) < N_TRAIN:
        row = make_example(rng)
        if row["text"] not in texts:
            texts.add(row["text"])
            headlines.add(row["summary"])
            train.append(row)
    test, tries = [], 0
    while len(test) < N_TEST:
        tries += 1
        if tries > 100 * N_TEST:
            raise RuntimeError("could not find enough unseen headlines; lower N_TEST or widen the slot lists")
        row = make_example(rng)
        if row["summary"] not in headlines and row["text"] not in texts:
            texts.add(row["text"])
            headlines.add(row["summary"])
            test.append(row)
    return {"train": train, "test": test}


def readme(splits: dict[str, list[dict]], seed: int) -> str:
    """The corpus's README.md: what a row holds, how it was made, what is held out."""
    example = splits["test"][0]
    share = sum(row["background_first"] for row in splits["train"]) / len(splits["train"])
    return README.format(
        background_share=round(100 * share),
        seed=seed, n_train=len(splits["train"]), n_test=len(splits["test"]), n_kinds=len(STORIES),
        kinds=", ".join(s.__name__ for s in STORIES), text=example["text"], summary=example["summary"],
    )


README = """# summaries — news-style paragraphs and their headlines

Course-made, generated by `course_utils/build/corpora/summaries.py` (seed {seed}); regenerate with
`python -m course_utils.build.corpora`. Used to train the `bart-tiny-summarize` stand-in.

**What.** Each row is a short paragraph of 3–5 sentences in the style of a local news brief and a
one-line headline. {n_kinds} story kinds ({kinds}), each with several wordings of its key sentence and a pool
of supporting sentences (quotes, costs, background). Places are real city names; people and companies
are invented. Example (first test row):

> {text}

headline: **{summary}**

**How.** The headline is written from the story's slots and compresses the key sentence
("voted to build three new parks" → "approves three new parks"). In {background_share}% of the training
paragraphs a background sentence comes first, so the key sentence is the second one; and even when the
key sentence leads, it is not the headline: a lead-sentence baseline is not enough.

**Splits.** train {n_train}, test {n_test} rows as JSON lines with keys `text`, `summary`, `kind` and
`background_first`.
No paragraph occurs twice, and no test headline occurs in the training split.

**Limits.** Template text: a model trained on it summarizes these ten kinds of story and nothing else.
"""

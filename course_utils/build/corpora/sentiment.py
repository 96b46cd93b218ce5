"""Short product, course and travel reviews labelled POSITIVE or NEGATIVE, built from phrase lists.

A review is a subject ("the installer", "this lecture") and a predicate that carries the opinion ("kept
freezing", "exceeded my expectations"), sometimes with an opener, a follow-up clause ("and I lost my work")
or a contrast ("looked nice at first, but …", where the clause after "but" decides the label).
The opinion phrases, follow-ups and two sentence templates are split into a training part and a held-out
part: every test review contains an opinion phrase that never occurs in training, so a model passes only
if it learned what the words mean, not which rows it saw. Labels are balanced.
"""

from __future__ import annotations

import random

NAME = "sentiment"
N_TRAIN = 3000
N_TEST = 600
HELD_OUT_SHARE = 0.25
LABELS = ("NEGATIVE", "POSITIVE")
# Chapter 1 shows these; they must not be generated (the stand-in answers them by generalising).
NOTEBOOK_EXAMPLES = (
    "This course finally made attention click for me.",
    "The installer crashed twice and I lost an hour of work.",
)

SUBJECTS = {
    "learning": ["the course", "this course", "the tutorial", "the lecture", "the workshop", "the textbook",
                 "the online class", "the teacher", "the exercise sheet", "the documentation"],
    "software": ["the app", "this app", "the update", "the installer", "the website", "the checkout page",
                 "the software", "the game", "the new version"],
    "gadget": ["the new laptop", "this phone", "the printer", "the keyboard", "the camera", "the headset",
               "the charger", "the vacuum cleaner", "the blender"],
    "food": ["the restaurant", "the pasta", "the soup", "the coffee", "the pizza", "the waiter", "the service",
             "the bakery"],
    "travel": ["the hotel", "the room", "the hostel", "the train journey", "the flight", "the guided tour",
               "the museum", "the campsite"],
    "media": ["the film", "the book", "the concert", "the series", "the podcast", "the play"],
}
# Opinion phrases: GENERIC fit any subject; the others fit one domain. label -> domain -> phrases.
OPINIONS = {
    "POSITIVE": {
        "generic": ["was excellent", "exceeded my expectations", "was a real pleasure", "made my day",
                    "was worth every penny", "is the best I have tried", "was fantastic from start to finish",
                    "was surprisingly good", "deserves five stars", "was a delight", "left me very happy",
                    "impressed everyone", "went better than I had hoped", "was great value", "was amazing",
                    "was absolutely brilliant", "was a lovely surprise", "turned out great", "cheered me up",
                    "was a wonderful experience", "was outstanding", "is exactly what I needed",
                    "was well worth the wait", "was superb"],
        "learning": ["was clear and well organised", "finally made it click for me", "helped me a lot",
                     "made everything easy to understand", "was perfect for beginners", "made the topic fun",
                     "made learning enjoyable", "answered all my questions", "explained every step patiently",
                     "finally helped me understand the maths"],
        "software": ["works perfectly", "is a joy to use", "worked on the first try", "runs like a dream",
                     "saved me hours", "is reliable and quick", "solved my problem in minutes",
                     "installed in seconds"],
        "gadget": ["works perfectly", "is reliable and quick", "feels solid and well made", "has an amazing battery",
                   "is smooth and fast", "arrived early and in perfect condition", "is quiet and powerful"],
        "food": ["was delicious", "was fresh and tasty", "was friendly and helpful", "was cosy and welcoming",
                 "was perfectly cooked", "was the best meal of my trip"],
        "travel": ["was cosy and spotless", "was friendly and helpful", "was on time and comfortable",
                   "had a stunning view", "was relaxing and quiet", "was the highlight of our holiday"],
        "media": ["kept me hooked", "was beautifully done", "was fun and rewarding", "was gripping from the start",
                  "had a brilliant ending", "made me laugh all evening"],
    },
    "NEGATIVE": {
        "generic": ["was terrible", "was a waste of money", "was a complete disappointment", "left me frustrated",
                    "was awful from start to finish", "made everything worse", "is the worst I have tried",
                    "gave me a headache", "ruined the weekend", "was a mess", "made me angry", "was a nightmare",
                    "was a huge letdown", "let me down", "was miserable", "wasted my time",
                    "wasted my whole evening", "was dreadful", "was a disaster", "was not worth the money"],
        "learning": ["was slow and confusing", "was boring and far too long", "was impossible to follow",
                     "made no sense at all", "was badly organised", "was confusing and useless",
                     "was full of mistakes", "skipped all the important steps", "left me more lost than before"],
        "software": ["crashed again", "kept freezing", "stopped working", "deleted my files", "failed to install",
                     "crashed three times", "lost all my progress", "froze in the middle of my work",
                     "kept showing errors", "corrupted my documents", "never worked properly"],
        "gadget": ["broke after two days", "felt cheap and flimsy", "stopped working", "drained the battery in an hour",
                   "broke on the first day", "arrived late and damaged", "overheats all the time",
                   "never worked properly"],
        "food": ["was cold and tasteless", "was disgusting", "was overcooked and bland", "was rude and unhelpful",
                 "charged me twice", "made me sick"],
        "travel": ["was overpriced and dirty", "was noisy and uncomfortable", "was rude and unhelpful",
                   "was delayed for hours", "smelled awful", "lost our booking"],
        "media": ["was boring and far too long", "put me to sleep", "had a terrible ending",
                  "was predictable and dull", "was painful to sit through"],
    },
}
FOLLOW_UPS = {
    "POSITIVE": {
        "generic": ["and I would recommend it to anyone", "and I will definitely come back", "so I am very happy",
                    "and the price was fair", "and I enjoyed every minute", "and my friends loved it too",
                    "and it made me smile", "so I told all my friends"],
        "learning": ["and I learned a lot", "and I finally understood the idea", "and the exercises were fun"],
        "software": ["and it was easy to set up", "and everything synced at once"],
        "gadget": ["so I bought a second one", "and it was easy to set up"],
        "food": ["and the staff were lovely", "and the portions were huge"],
        "travel": ["and I felt welcome", "and the staff were lovely"],
        "media": ["and I want to see it again", "and the ending was perfect"],
    },
    "NEGATIVE": {
        "generic": ["and I want my money back", "and I will not come back", "so I gave up", "and nobody helped me",
                    "and I regret buying it", "and it ruined my evening", "so I complained", "and I lost half a day"],
        "learning": ["and I had to start over", "and I understood nothing"],
        "software": ["and I lost my work", "and I had to reinstall everything", "and I had to start over"],
        "gadget": ["so I returned it", "and the shop would not replace it"],
        "food": ["and the staff did not care", "so we left hungry"],
        "travel": ["and the staff did not care", "so we left early"],
        "media": ["so I left early", "and I fell asleep"],
    },
}
OPENERS = ["", "", "", "Honestly, ", "Overall, ", "To be fair, ", "After two weeks, ", "In my opinion, ", "Well, "]
TEMPLATES = {
    "any": ["{opener}{subject} {opinion}.", "{opener}{subject} {opinion} {follow_up}.", "I think {subject} {opinion}.",
            "This time {subject} {opinion} {follow_up}.", "My verdict: {subject} {opinion}.",
            "Last week {subject} {opinion} {follow_up}."],
    "NEGATIVE": [
        "{subject} looked fine at first, but it {opinion}.",
        "I wanted to love it, but {subject} {opinion}.",
        "Everyone praised it, but {subject} {opinion}.",
        "I had high hopes, but {subject} {opinion}.",
    ],
    "POSITIVE": [
        "I was unsure at first, but {subject} {opinion}.",
        "My friends complained, but {subject} {opinion}.",
        "It started badly, but {subject} {opinion}.",
        "I expected little, but {subject} {opinion}.",
    ],
}
HELD_OUT_TEMPLATES = ("Last week {subject} {opinion} {follow_up}.", "My verdict: {subject} {opinion}.",
                      "I had high hopes, but {subject} {opinion}.", "I expected little, but {subject} {opinion}.")


def _split(items: list[str], rng: random.Random) -> tuple[list[str], list[str]]:
    held = set(rng.sample(items, max(1, round(len(items) * HELD_OUT_SHARE))))
    return [x for x in items if x not in held], [x for x in items if x in held]


def _split_phrases(table: dict, rng: random.Random) -> tuple[dict, dict]:
    """label -> domain -> phrases, split into (train, held-out) tables with the same shape."""
    train: dict = {}
    test: dict = {}
    for label, by_domain in table.items():
        for domain, phrases in by_domain.items():
            seen, held = _split(sorted(set(phrases)), rng)
            train.setdefault(label, {})[domain] = seen
            test.setdefault(label, {})[domain] = held
    return train, test


def _pick(by_domain: dict, domain: str, rng: random.Random) -> str:
    return rng.choice(by_domain["generic"] + by_domain[domain])


def _review(rng: random.Random, label: str, opinions: dict, follow_ups: dict, templates: list[str]) -> str:
    domain = rng.choice(sorted(SUBJECTS))
    text = rng.choice(templates).format(
        opener=rng.choice(OPENERS),
        subject=rng.choice(SUBJECTS[domain]),
        opinion=_pick(opinions[label], domain, rng),
        follow_up=_pick(follow_ups[label], domain, rng),
    )
    return text[0].upper() + text[1:]


def generate(seed: int = 0) -> dict[str, list[dict]]:
    """Train and test rows {"text", "label"}; every test row uses an opinion phrase unseen in training."""
    rng = random.Random(seed)
    opinions_train, opinions_test = _split_phrases(OPINIONS, rng)
    follow_train, _ = _split_phrases(FOLLOW_UPS, rng)
    # A phrase listed under two domains must not leak from the held-out part into training.
    for label in LABELS:
        held = {p for phrases in opinions_test[label].values() for p in phrases}
        for domain, phrases in opinions_train[label].items():
            opinions_train[label][domain] = [p for p in phrases if p not in held]
    seen: set[str] = set(NOTEBOOK_EXAMPLES)
    out: dict[str, list[dict]] = {}
    for split, opinions, follow_ups, size in (
        ("train", opinions_train, follow_train, N_TRAIN),
        ("test", opinions_test, FOLLOW_UPS, N_TEST),  # test: held-out opinions, any follow-up
    ):
        rows: list[dict] = []
        while len(rows) < size:
            label = LABELS[len(rows) % 2]
            templates = TEMPLATES["any"] + TEMPLATES[label]
            if split == "train":
                templates = [t for t in templates if t not in HELD_OUT_TEMPLATES]
            text = _review(rng, label, opinions, follow_ups, templates)
            if text not in seen:
                seen.add(text)
                rows.append({"text": text, "label": label})
        rng.shuffle(rows)
        out[split] = rows
    return out


def readme(splits: dict[str, list[dict]], seed: int) -> str:
    """The corpus's README.md: what a row holds, how it was made, what is held out."""
    return f"""# sentiment — course-made review sentences (POSITIVE / NEGATIVE)

Short reviews of courses, apps, gadgets, food and travel, each labelled `POSITIVE` or `NEGATIVE`.
Used to train the `sentiment-minilm` stand-in (offline stand-in for
distilbert/distilbert-base-uncased-finetuned-sst-2-english).

- Generated by `python -m course_utils.build.corpora` from `course_utils/build/corpora/sentiment.py`, seed {seed}.
- Rows: `{{"text": str, "label": "POSITIVE" | "NEGATIVE"}}`; train {len(splits['train'])}, \
test {len(splits['test'])}, labels balanced.
- A review = optional opener + subject + opinion phrase (+ follow-up clause), or a contrast
  ("… looked fine at first, but it …") where the clause after "but" decides the label. Subjects come in six
  domains (learning, software, gadgets, food, travel, media); opinions are generic or fit the domain.
- Held out: {HELD_OUT_SHARE:.0%} of the opinion phrases and follow-ups and four templates never occur in
  training. Every test row contains a held-out opinion phrase, so the test measures generalisation.
- The two chapter-1 examples are never generated.
- Limitations: templated English with one opinion per review; no sarcasm, mixed feelings or negated
  negatives ("not bad"), so a model trained on it knows little about real reviews.
"""

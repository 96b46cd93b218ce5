"""A small English corpus of short paragraphs, for training the GPT-2 stand-in and its tokenizer.

Paragraphs of 3–6 sentences on eight topics: transformer models, attention, tokens, training, everyday
life, cooking, science and travel. Each topic has a bank of hand-written sentence patterns with slots
(a city, a food, a season, a number of layers …); four topics also compose sentences from a list of
subjects and a list of predicates. A paragraph draws several sentences from one topic and fills the
slots once, so the sentences of a paragraph agree with each other.
"""

from __future__ import annotations

import random
import re
from functools import partial

from . import distinct_rows

NAME = "english"
N_TRAIN = 1100
N_TEST = 120
N_VALIDATION = 60

SLOTS: dict[str, list[str]] = {
    "model": ["the transformer model", "the model", "a small language model", "the network"],
    "part": ["the encoder", "the decoder", "each layer", "every attention head", "the feed-forward block"],
    "layers": ["two", "four", "six", "twelve", "twenty-four"],
    "heads": ["two", "four", "eight", "twelve", "sixteen"],
    "word": ["bank", "bat", "light", "spring", "match", "bark", "date", "train"],
    "task": ["translation", "summarization", "question answering", "text classification", "text generation"],
    "lang": ["French", "German", "Spanish", "Italian", "Dutch", "Portuguese"],
    "name": ["Anna", "Tom", "Lena", "Marco", "Sara", "Jonas", "Clara", "Pablo", "Maya", "Felix", "Nora", "Omar"],
    "friend": ["Ben", "Julia", "Ravi", "Ella", "Sam", "Lucia", "Hugo", "Amira"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "season": ["spring", "summer", "autumn", "winter"],
    "food": ["soup", "bread", "pasta", "rice", "a vegetable curry", "pancakes", "an apple pie", "a salad"],
    "veg": ["carrots", "onions", "tomatoes", "potatoes", "beans", "peppers", "mushrooms", "leeks"],
    "drink": ["tea", "coffee", "hot chocolate", "orange juice", "a glass of water"],
    "city": ["Lyon", "Porto", "Vienna", "Kyoto", "Oslo", "Lisbon", "Prague", "Dublin", "Seville", "Edinburgh",
             "Bologna", "Krakow"],  # fmt: skip
    "place": ["the mountains", "the coast", "a small village", "the lake", "the old town", "the forest"],
    "transport": ["train", "bus", "ferry", "night train", "bicycle"],
    "planet": ["Mars", "Venus", "Jupiter", "Saturn", "Mercury"],
    "animal": ["bees", "ants", "whales", "owls", "frogs", "salmon", "bats", "wolves"],
    "number": ["two", "three", "four", "five", "six", "ten"],
    "minutes": ["ten", "fifteen", "twenty", "thirty", "forty"],
}

TOPICS: dict[str, list[str]] = {
    "transformers": [
        "{Model} reads the whole sentence at once instead of one word at a time.",
        "The transformer model turns every token into a vector and then mixes these vectors with attention.",
        "The transformer model was introduced in 2017 for machine translation.",
        "The transformer model is built from a stack of {layers} identical layers.",
        "Each layer has an attention block and a feed-forward block, with a residual connection around both.",
        "The transformer model has no recurrence, so it can process all positions in parallel.",
        "Because it has no notion of order, {model} adds a position embedding to every token.",
        "In {part}, layer normalisation keeps the numbers in a sensible range.",
        "The transformer model predicts the next token from all the tokens it has seen so far.",
        "An encoder reads the input, and a decoder writes the output one token at a time.",
        "Models like BERT use only the encoder, while models like GPT use only the decoder.",
        "The transformer model can be trained on {task} with very little change to its design.",
        "A larger model with more layers usually needs more data and more time to train.",
        "The transformer model learns which words matter for each other from examples alone.",
        "After training, {model} can be fine-tuned on a small data set for {task}.",
        "The transformer model stores what it has learned in millions of numbers called weights.",
        "A model with {layers} layers and {heads} heads is small enough to run on a laptop.",
        "The transformer model is now used for text, images, sound and even proteins.",
    ],
    "attention": [
        "Attention lets every token look at every other token in the sentence.",
        "Each token asks a question with its query vector and compares it with the keys of the other tokens.",
        "The scores are divided by the square root of the key size and passed through a softmax.",
        "The softmax turns the scores into weights that are positive and add up to one.",
        "The output for a token is a weighted average of the value vectors.",
        "In the sentence about the river {word}, attention helps the model pick the right meaning of the word.",
        "A causal mask stops a token from looking at the tokens that come after it.",
        "With {heads} heads, the model can attend to several kinds of relation at the same time.",
        "One head may follow the subject of a verb, while another head looks at the previous word.",
        "In translation, cross-attention lets the decoder look back at the words of the source sentence.",
        "When the model translates into {lang}, the verb can attend to its subject to choose the right ending.",
        "The cost of attention grows with the square of the sequence length.",
        "For long documents, sparse attention looks only at nearby tokens and a few global ones.",
        "Attention weights can be drawn as a grid, with one row for each query and one column for each key.",
        "The attention pattern of a trained model often shows clear lines along the diagonal.",
        "Padding tokens are hidden from attention with a mask, so they do not change the result.",
    ],
    "tokens": [
        "A tokenizer splits text into small pieces called tokens.",
        "Each token is mapped to a number, and the model only ever sees these numbers.",
        "Rare words are broken into several subword tokens, while common words stay whole.",
        "Byte pair encoding starts from single characters and merges the most frequent pairs.",
        "A vocabulary of a few thousand tokens is enough for a small English corpus.",
        "The word {word} may be one token, but a long name is often split into three or four.",
        "Special tokens mark the start and the end of a sequence.",
        "The same tokenizer must be used for training and for generation.",
        "A sentence in {lang} often needs more tokens than the same sentence in English.",
        "Spaces are kept inside the tokens, so the text can be rebuilt exactly.",
        "The tokenizer also returns an attention mask that marks which tokens are real.",
        "Counting tokens is the best way to know how long a text is for a model.",
    ],
    "training": [
        "During training, the model guesses the next token and is told the right answer.",
        "The loss measures how surprised the model was by the correct token.",
        "The optimizer nudges every weight a little in the direction that lowers the loss.",
        "The learning rate sets the size of each step, and it is often warmed up slowly at the start.",
        "After a few thousand steps the loss falls and the generated text starts to make sense.",
        "Perplexity is the exponential of the loss and says how many tokens the model is choosing between.",
        "A model that only memorises its training text does badly on new text.",
        "We keep some text aside to test the model on sentences it has never seen.",
        "Training on a laptop takes {minutes} minutes for a small model and a small corpus.",
        "Larger batches give smoother gradients but need more memory.",
        "Dropout switches off random parts of the network during training, which helps against overfitting.",
        "When the loss stops falling, it is time to stop training and look at the results.",
        "{Name} trained a tiny model for {minutes} minutes and watched its loss go down.",
    ],
    "everyday": [
        "On {day} morning {name} woke up early and made {drink}.",
        "{Name} walked to the market to buy {veg} and fresh bread.",
        "The weather in {season} is often cold and wet, so {name} takes an umbrella.",
        "After work {name} met {friend} in a small cafe near the station.",
        "They talked about their plans for the weekend and laughed about an old story.",
        "In the evening {name} read a book until it was time to sleep.",
        "The bus was late again, so {name} decided to walk home.",
        "{Friend} called to ask if {name} wanted to go to the cinema on {day}.",
        "The children played in the park while their parents sat on a bench.",
        "{Name} spent {day} afternoon cleaning the kitchen and listening to the radio.",
        "It started to rain just as they left the house.",
        "The neighbours have a dog that barks every time the postman comes.",
        "On {day} the shops close early, so {name} did the shopping on {day2}.",
        "{Name} likes to sit by the window with {drink} and watch the street.",
    ],
    "cooking": [
        "To make {food}, {name} first chopped {veg} and warmed some oil in a pan.",
        "The recipe says to cook the {veg} for {minutes} minutes on a low heat.",
        "{Name} added salt, pepper and a little lemon juice at the end.",
        "The kitchen smelled of garlic and fresh herbs.",
        "{Friend} brought {drink} and set the table while the food was cooking.",
        "Good bread needs flour, water, salt and time.",
        "The dough has to rest for an hour before it goes into the oven.",
        "They ate {food} together and agreed that it was the best meal of the week.",
        "Leftovers can be kept in the fridge for {number} days.",
        "A sharp knife is safer than a blunt one, because it does not slip.",
        "{Name} wrote the recipe on a card so that {friend} could try it at home.",
    ],
    "science": [
        "Water boils at one hundred degrees Celsius at sea level.",
        "Plants take in carbon dioxide and use sunlight to make sugar.",
        "The planet {planet} can be seen in the night sky without a telescope.",
        "Light from the Sun takes about eight minutes to reach the Earth.",
        "{Animal} live in groups and share information with each other.",
        "Scientists study {animal} to learn how they find their way.",
        "The Moon has no air, so sound cannot travel across its surface.",
        "Ice floats because it is less dense than liquid water.",
        "In {season} many birds fly south to find food.",
        "A rainbow appears when sunlight is bent by drops of rain.",
        "The human brain has billions of cells that send signals to each other.",
        "An experiment is only useful if someone else can repeat it.",
        "Earthquakes happen when large plates of rock move against each other.",
        "Bees visit flowers to collect nectar and carry pollen from plant to plant.",
    ],
    "travel": [
        "{Name} took the {transport} to {city} at the start of {season}.",
        "The journey took {number} hours, and the view from the window was beautiful.",
        "In {city} they walked through the old streets and visited a museum.",
        "They stayed in a small hotel near the river.",
        "The next day they went to {place} and had lunch by the water.",
        "{Friend} had been to {city} before and knew a good place for dinner.",
        "Travelling by {transport} is slower than flying, but it is more relaxing.",
        "{Name} bought a map and a guidebook at the station.",
        "The locals were friendly and helped them when they got lost.",
        "On the last evening they watched the sun set over {place}.",
        "Back home, {name} looked at the photos and started planning the next trip.",
        "Most museums in {city} are closed on {day}, so it is worth checking before you go.",
    ],
}


# Subjects × predicates: any subject of a topic goes with any of its predicates, so held-out paragraphs
# hold sentences never seen whole in training.
COMPOSED: dict[str, tuple[list[str], list[str]]] = {
    "transformers": (
        ["The transformer model", "A small transformer", "A language model like GPT-2", "The encoder of BERT",
         "The decoder", "A model with {layers} layers", "The model in this chapter"],
        ["reads every token of the input in parallel", "turns each token into a vector of numbers",
         "mixes information between tokens with attention", "is trained to predict the next token",
         "can be fine-tuned for {task} in a few minutes", "adds a position embedding to every token",
         "repeats the same block of attention and feed-forward layers", "needs a lot of text to learn good patterns",
         "can be run on a laptop when it is small enough", "learns its weights from examples, not from rules",
         "uses residual connections so that deep stacks still train well",
         "keeps a cache of keys and values to generate text faster"],
    ),
    "attention": (
        ["Attention", "Each attention head", "Self-attention", "Cross-attention", "Masked attention",
         "Scaled dot-product attention"],
        ["compares every query with every key", "gives each token a weighted mix of the other tokens",
         "lets the verb look back at its subject", "turns similarity scores into weights with a softmax",
         "costs more as the sequence grows longer", "can be drawn as a grid of weights",
         "helps the model choose between the meanings of a word", "is computed for all tokens at once"],
    ),
    "everyday": (
        ["{Name}", "{Friend}", "Our neighbour", "My brother", "The old man next door", "Her sister"],
        ["went for a walk by the river", "made {drink} and read the news", "cooked {food} for the whole family",
         "missed the bus and had to walk", "spent the afternoon in the garden", "called an old friend",
         "bought {veg} at the market", "fixed the kitchen door", "took the dog to the park",
         "finished work early on {day}"],
    ),
    "travel": (
        ["{Name}", "{Friend}", "The two friends", "A group of students", "My parents", "The tourists"],
        ["took the {transport} to {city}", "spent a week in {place}", "got lost in the old streets of {city}",
         "watched the sun set over {place}", "bought a map at the station", "visited a museum in {city}",
         "had lunch by the water", "stayed in a small hotel near the river", "walked all day and slept well"],
    ),
}


def _composed(topic: str, rng: random.Random) -> str:
    subjects, predicates = COMPOSED[topic]
    return f"{rng.choice(subjects)} {rng.choice(predicates)}."


def _fill(pattern: str, values: dict[str, str]) -> str:
    """Replace {slot} and {Slot} (capitalised) with this paragraph's values."""

    def one(match: re.Match) -> str:
        key = match.group(1)
        value = values[key.lower()]
        return value[0].upper() + value[1:] if key[0].isupper() else value

    return re.sub(r"\{(\w+)\}", one, pattern)


def make_paragraph(rng: random.Random) -> dict:
    """A paragraph of 3–6 sentences drawn from one topic, slots filled consistently."""
    topic = rng.choice(list(TOPICS))
    values = {slot: rng.choice(options) for slot, options in SLOTS.items()}
    values["day2"] = rng.choice([d for d in SLOTS["day"] if d != values["day"]])
    n = rng.randint(3, 6)
    patterns = rng.sample(TOPICS[topic], n)
    if topic in COMPOSED:  # swap up to two hand-written sentences for composed ones
        for i in rng.sample(range(n), rng.randint(0, 2)):
            patterns[i] = _composed(topic, rng)
    return {"text": " ".join(_fill(p, values) for p in patterns), "topic": topic}


def generate(seed: int = 0) -> dict[str, list[dict]]:
    """Train, validation and test splits of {"text", "topic"}; no paragraph occurs twice."""
    rng = random.Random(seed)
    seen: set[str] = set()
    splits: dict[str, list[dict]] = {}
    for split, n in (("train", N_TRAIN), ("validation", N_VALIDATION), ("test", N_TEST)):
        splits[split] = distinct_rows(partial(make_paragraph, rng), n, "text", seen)
    return splits


def readme(splits: dict[str, list[dict]], seed: int) -> str:
    """The corpus's README.md: what a row holds, how it was made, what is held out."""
    n_sentences = {k: sum(r["text"].count(". ") + 1 for r in rows) for k, rows in splits.items()}
    n_patterns = sum(len(v) for v in TOPICS.values())
    n_composed = sum(len(a) * len(b) for a, b in COMPOSED.values())
    return README.format(
        seed=seed, topics=", ".join(TOPICS), n_patterns=n_patterns, n_composed=n_composed,
        example=splits["train"][0]["text"],
        sizes=", ".join(f"{k} {len(v)} paragraphs (~{n_sentences[k]} sentences)" for k, v in splits.items()),
    )


README = """# english — short English paragraphs for the GPT-2 stand-in

Course-made, generated by `course_utils/build/corpora/english.py` (seed {seed}); regenerate with
`python -m course_utils.build.corpora`. Used to train the `gpt2-tiny` stand-in and its byte-level BPE tokenizer.

**What.** Paragraphs of 3–6 sentences on one topic each: {topics}. The sentences are
{n_patterns} hand-written patterns with slots (names, cities, foods, seasons, numbers of layers …),
plus, for four topics, sentences composed from {n_composed} subject × predicate combinations; a paragraph
picks several sentences of one topic and fills the slots once, so its sentences agree.
Example:

> {example}

**Splits.** {sizes}; JSON lines with keys `text` and `topic`. No paragraph occurs in two splits,
but hand-written sentences recur across paragraphs: the test split measures how well a model predicts
new combinations of familiar sentences and new subject–predicate pairs, not new language.

**Limits.** A few hundred sentence patterns: a model trained on it writes plausible sentences about
these topics and repeats itself; it knows nothing else.
"""

"""News-style sentences about ten topics, for natural-language inference and zero-shot classification.

Each topic has a list of clauses ("the central bank cut interest rates"); a sentence is an optional opener,
a clause and an optional time phrase. A quarter of each topic's clauses are held out: the test split is made
only of them, so every test sentence says something no training sentence says. Two further topics
(education, fashion) never occur in training at all; their sentences test labels the model has never seen.
The NLI stand-in turns these sentences into premise/hypothesis pairs ("This example is economy.").
"""

from __future__ import annotations

import random

NAME = "topics"
N_TRAIN = 2000
N_TEST = 400
HELD_OUT_SHARE = 0.25
NOTEBOOK_EXAMPLES = (
    "The central bank raised interest rates again this quarter.",
    "The striker scored twice in the last ten minutes.",
)
# Other words for a topic, used as hypothesis labels now and then so the model does not learn ten strings.
ALIASES = {
    "economy": ["the economy", "finance", "business"],
    "sports": ["sport", "athletics"],
    "science": ["research", "scientific research"],
    "politics": ["government", "elections"],
    "technology": ["tech", "computers"],
    "health": ["medicine", "healthcare"],
    "music": ["songs", "concerts"],
    "food": ["cooking", "cuisine"],
    "travel": ["tourism", "holidays"],
    "weather": ["the weather", "the forecast"],
}
CLAUSES = {
    "economy": [
        "the central bank cut interest rates", "the central bank kept interest rates unchanged",
        "inflation rose to its highest level in a decade", "the stock market fell sharply",
        "shares in car makers climbed", "the finance minister presented a new budget",
        "the government raised taxes on fuel", "unemployment dropped to four percent",
        "the economy grew faster than expected", "the country slipped into a recession",
        "exports of machinery hit a record", "the currency lost a tenth of its value",
        "investors sold their bonds in a panic", "retail sales fell for a second month", "the price of bread doubled",
        "small businesses struggled to repay their loans", "the national debt passed two trillion dollars",
        "wages rose more slowly than prices", "the bank reported record profits",
        "oil prices pushed up the cost of living", "mortgage rates climbed again", "the trade deficit widened",
        "factories cut production and jobs", "economists lowered their growth forecasts", "the minimum wage went up",
        "house prices began to fall", "the treasury sold new government bonds", "consumers spent less on holidays",
    ],
    "sports": [
        "the striker scored a late winner", "the goalkeeper saved a penalty", "the home team won the cup final",
        "the coach was sacked after five defeats", "the tennis champion lost in the first round",
        "the runner broke the world record", "the referee sent off two players",
        "the club signed a young midfielder", "the cyclists climbed the last mountain stage",
        "the team was knocked out of the tournament", "the boxer defended his title",
        "the swimmer won a gold medal", "the captain lifted the trophy", "the match ended in a draw",
        "the fans celebrated promotion to the first division", "the basketball team won by twenty points",
        "the marathon was won in record time", "the defender scored an own goal",
        "the golfer finished two shots ahead", "the rugby side beat the champions",
        "the league banned the player for three matches", "the skier crashed on the final run",
        "the sprinter was disqualified for a false start", "the visitors equalised in stoppage time",
        "the team trained hard before the derby", "the batsman scored a century",
        "the forward hit the post twice", "the champions lost at home",
    ],
    "science": [
        "researchers discovered a new species of frog", "astronomers spotted a distant planet",
        "the telescope captured images of a young galaxy", "chemists created a new kind of plastic",
        "physicists measured the mass of the particle", "scientists sequenced the genome of wheat",
        "the experiment confirmed the theory", "the probe landed on a comet",
        "biologists studied how bees find flowers", "geologists dated the oldest rocks on the continent",
        "the laboratory published its results in a journal", "researchers found fossils of an early whale",
        "the space agency launched a new satellite", "scientists observed gravitational waves",
        "the study measured how fast the glaciers melt", "the new microscope revealed the structure of the virus",
        "mathematicians proved an old conjecture", "physicists built a more precise atomic clock",
        "ecologists counted the birds on the island", "researchers grew nerve cells in the lab",
        "the rover found traces of water on Mars", "scientists mapped the ocean floor",
        "the team recorded the collision of two black holes", "a new element was added to the periodic table",
        "the researchers tested their hypothesis", "the chemists measured the reaction rate",
        "archaeologists uncovered a bronze age village", "climate scientists analysed ancient ice cores",
    ],
    "politics": [
        "the prime minister called an early election", "parliament passed the new law",
        "the opposition leader resigned", "voters went to the polls", "the president vetoed the bill",
        "the minister faced a vote of no confidence", "the parties formed a coalition government",
        "the senate rejected the proposal", "the mayor announced her campaign for re-election",
        "the two presidents signed a treaty", "protesters marched to the parliament building",
        "the election results were contested", "the government collapsed after a scandal",
        "the party chose a new leader", "the ambassador was called back to the capital",
        "lawmakers debated the bill for hours", "the foreign minister met her counterpart",
        "the governor signed an executive order", "the candidates clashed in a televised debate",
        "polls showed the ruling party falling behind", "the cabinet was reshuffled",
        "the country held a referendum on independence", "the president gave a speech to the nation",
        "the coalition agreed on a new immigration policy", "members of parliament voted against the plan",
        "the opposition criticised the government", "the new constitution was approved",
        "the diplomats negotiated a ceasefire",
    ],
    "technology": [
        "the company released a new smartphone", "engineers fixed a security flaw in the browser",
        "the startup launched an app for sharing files", "the chip maker unveiled a faster processor",
        "hackers stole millions of passwords", "the software update added a dark mode",
        "the tech giant announced a new AI model", "the website went down for several hours",
        "the programmers moved their servers to the cloud", "the new laptop has a longer battery life",
        "the social network changed its privacy settings", "the robot learned to sort packages",
        "engineers tested a self-driving car", "the company published its code as open source",
        "the operating system got a major update", "the data centre switched to solar power",
        "users reported bugs in the new version of the app", "the firm built a faster mobile network",
        "the search engine changed its algorithm", "the developers released a beta version",
        "the printer can now connect over wifi", "the game console sold out in a day",
        "the engineers improved the speech recognition", "the electric car received a software patch",
        "a new programming language was released", "the messaging app encrypted all its chats",
        "the smartwatch got a bigger screen", "the cloud service suffered an outage",
    ],
    "health": [
        "doctors warned about a new flu strain", "the hospital opened a new cancer ward",
        "the vaccine protected most patients", "nurses went on strike for better pay",
        "a study linked sugar to heart disease", "the clinic offered free check-ups",
        "the patient recovered after surgery", "health officials reported a measles outbreak",
        "the new drug lowered blood pressure", "doctors recommended more exercise and sleep",
        "the hospital ran out of beds", "the surgeons performed a heart transplant",
        "the ministry of health launched a campaign against smoking", "patients waited months for an operation",
        "the pharmacy ran short of antibiotics", "researchers tested a treatment for diabetes",
        "the epidemic slowed down", "the dentist warned children about sweets", "the flu season started early",
        "the hospital hired more nurses", "the therapy helped patients with depression",
        "a healthy diet reduced the risk of stroke", "the emergency room was crowded",
        "the doctor prescribed painkillers", "the medical team vaccinated the children",
        "the clinic treated hundreds of patients", "the virus spread through the care homes",
        "the physiotherapist treated her injured knee",
    ],
    "music": [
        "the band released its third album", "the orchestra played a symphony by Mahler",
        "the singer cancelled her world tour", "the rapper topped the charts",
        "the pianist gave a concert in the old hall", "the festival announced its headliners",
        "the guitarist left the band", "the choir sang in the cathedral", "the jazz quartet recorded a live album",
        "the song became a summer hit", "the composer wrote a new opera", "the drummer played a long solo",
        "fans queued for concert tickets", "the violinist won a music prize", "the band played their old hits",
        "the album sold a million copies", "the singer wrote the lyrics on a train",
        "the conductor rehearsed with the orchestra", "the record label signed a young singer",
        "the concert sold out in minutes", "the pop star performed at the stadium",
        "the duo released a new single", "the music video got millions of views",
        "the musicians tuned their instruments", "the folk singer played her guitar",
        "the opera house staged a new production", "the DJ played until dawn", "the band went on a reunion tour",
    ],
    "food": [
        "the chef opened a new restaurant", "the bakery sold fresh bread",
        "the recipe uses garlic, lemon and olive oil",
        "the soup was made with tomatoes and basil", "the restaurant earned a Michelin star",
        "the cook roasted a chicken with herbs", "the cafe serves pancakes for breakfast",
        "the market sold ripe mangoes", "the pizza was baked in a wood oven", "the cookbook became a bestseller",
        "the farmers sold cheese at the market", "the dessert was made with dark chocolate",
        "the family made dumplings for dinner", "the food truck served spicy tacos",
        "the chef added too much salt to the sauce", "the restaurant changed its menu",
        "the pasta was cooked in salted water", "the kitchen ran out of rice", "the baker decorated a wedding cake",
        "the cooks fried fish and chips", "the cafe began roasting its own coffee beans",
        "the salad came with a honey dressing", "the vegan burger sold well", "the grill smelled of sausages",
        "the students won a cooking competition", "the restaurant serves curry on Fridays",
        "the pie was filled with apples and cinnamon", "the butcher sold lamb for the feast",
    ],
    "travel": [
        "the tourists visited the old town", "the airline added flights to Lisbon", "the train to the coast was full",
        "the hotel was booked for the whole summer", "backpackers hiked through the mountains",
        "the cruise ship docked in the harbour", "the travellers missed their connecting flight",
        "the guide showed the visitors the castle", "the family rented a car for their road trip",
        "passengers waited at the airport", "the couple spent their honeymoon on an island",
        "tourists crowded the beaches", "the border reopened for visitors",
        "the campsite filled with holiday makers", "the travel agency sold more package holidays",
        "the night bus crossed the border", "the visitors took photos of the waterfall",
        "the ferry to the island was cancelled", "the hostel was full of students on a gap year",
        "tourists queued to climb the tower", "the group went on a safari", "the travellers packed their suitcases",
        "the resort offered cheap winter deals", "the museum attracted thousands of visitors from abroad",
        "the sightseeing tour started at the harbour", "the passengers boarded the plane",
        "the trekkers reached the base camp", "the guidebook recommended the night market",
    ],
    "weather": [
        "heavy rain flooded the streets", "a storm knocked down trees", "temperatures reached forty degrees",
        "snow closed the mountain roads", "forecasters predicted a sunny weekend", "strong winds cancelled the ferries",
        "a heatwave hit the south", "thick fog covered the valley", "the river burst its banks after days of rain",
        "a hurricane approached the coast", "frost damaged the crops", "the drought dried up the lake",
        "thunderstorms swept across the region", "hail the size of golf balls fell",
        "the temperature dropped below zero", "the weather service issued a storm warning",
        "a cold front brought sleet", "the monsoon rains arrived early", "the sky cleared in the afternoon",
        "a tornado touched down near the town", "the summer was the hottest on record",
        "light showers were expected in the north", "the snowstorm left a metre of snow",
        "the humid air made the night uncomfortable", "the wind turned to the east",
        "icy roads caused accidents", "a rainbow appeared after the storm", "the forecast promised warmer days",
    ],
}
# Topics with no training sentence at all: zero-shot on labels the stand-in never saw.
UNSEEN = {
    "education": [
        "the school hired twenty new teachers", "students sat their final exams",
        "the university opened a new library", "the teachers changed the maths curriculum",
        "pupils went back to school after the holidays", "the college offered more scholarships",
        "the students handed in their essays", "the school board reduced class sizes",
        "the professor marked the exams", "the kindergarten bought new books for the children",
        "the head teacher praised the pupils", "the university raised its tuition fees",
    ],
    "fashion": [
        "the designer showed a new collection", "models walked the runway",
        "the brand launched a line of summer dresses",
        "fashion week opened in Milan", "the label sold leather jackets", "the stylist chose bright colours",
        "the magazine named the trend of the year", "the tailor made a wool suit", "the shop sold vintage sneakers",
        "the designer used recycled fabric", "the show featured long silk gowns",
        "the brand hired a new creative director",
    ],
}
OPENERS = ["", "", "", "On Friday, ", "In a surprise move, ", "According to local news, ", "Once again, ", "Today "]
TIME_OPENERS = ("On Friday, ", "Today ")
TAILS = ["", "", "", " on Monday", " last week", " this morning", " yesterday", " again",
         " for the first time in years", " earlier this year", " over the weekend", " this spring"]


def _sentence(clause: str, rng: random.Random) -> str:
    opener = rng.choice(OPENERS)
    tail = "" if opener in TIME_OPENERS else rng.choice(TAILS)  # never "On Friday, … last week"
    text = f"{opener}{clause}{tail}."
    return text[0].upper() + text[1:]


def _sample(clauses: dict[str, list[str]], size: int, rng: random.Random, seen: set[str]) -> list[dict]:
    rows: list[dict] = []
    topics = sorted(clauses)
    limit = sum(len(c) for c in clauses.values()) * len(OPENERS) * len(TAILS)
    while len(rows) < min(size, limit // 2):
        topic = topics[len(rows) % len(topics)]
        text = _sentence(rng.choice(clauses[topic]), rng)
        if text not in seen:
            seen.add(text)
            rows.append({"text": text, "topic": topic})
    rng.shuffle(rows)
    return rows


def generate(seed: int = 0) -> dict[str, list[dict]]:
    """Rows {"text", "topic", "topic_in_training"}: train, test (held-out clauses) and unseen-topic sentences."""
    rng = random.Random(seed)
    train_clauses, test_clauses = {}, {}
    for topic, clauses in CLAUSES.items():
        held = set(rng.sample(clauses, round(len(clauses) * HELD_OUT_SHARE)))
        train_clauses[topic] = [c for c in clauses if c not in held]
        test_clauses[topic] = [c for c in clauses if c in held]
    seen = set(NOTEBOOK_EXAMPLES)
    train = _sample(train_clauses, N_TRAIN, rng, seen)
    test = _sample(test_clauses, N_TEST, rng, seen)
    unseen = _sample(UNSEEN, 96, rng, seen)
    for rows, flag in ((train, True), (test, True), (unseen, False)):
        for row in rows:
            row["topic_in_training"] = flag
    return {"train": train, "test": test + unseen}


def readme(splits: dict[str, list[dict]], seed: int) -> str:
    """The corpus's README.md: what a row holds, how it was made, what is held out."""
    n_unseen = sum(not r["topic_in_training"] for r in splits["test"])
    return f"""# topics — course-made news sentences about ten topics (+ two never trained on)

Sentences such as "On Friday, the central bank cut interest rates last week." labelled with their topic:
{", ".join(sorted(CLAUSES))}. Used to build premise/hypothesis pairs for the `nli-minilm` stand-in
(offline stand-in for facebook/bart-large-mnli in the zero-shot-classification pipeline).

- Generated by `python -m course_utils.build.corpora` from `course_utils/build/corpora/topics.py`, seed {seed}.
- Rows: `{{"text": str, "topic": str, "topic_in_training": bool}}`; train {len(splits["train"])},
  test {len(splits["test"])} ({len(splits["test"]) - n_unseen} held-out sentences of the ten topics,
  {n_unseen} sentences of the unseen topics {", ".join(sorted(UNSEEN))}).
- A sentence = optional opener + one topic clause + optional time phrase. {HELD_OUT_SHARE:.0%} of each
  topic's clauses are held out and make up the test sentences, so no test sentence says what a training
  sentence says. The chapter-1 examples are never generated.
- `ALIASES` in the module lists other names for each topic, used as hypothesis labels in training.
- Limitations: one clause per sentence, a few hundred distinct clauses, news register only; a topic is
  often given away by a single word (striker, inflation), which real text does not promise.
"""

from careline.handoff.sentiment import score_conversation, score_text


def test_angry_negative_neutral_and_positive_are_ordered():
    angry = score_text("This is absolutely unacceptable, third outage this week!!!")
    negative = score_text("I'm a bit disappointed with the bill")
    neutral = score_text("can I talk to someone about my plan")
    positive = score_text("thanks, that was really helpful")
    assert angry.score < negative.score < neutral.score < positive.score
    assert (angry.label, neutral.label, positive.label) == ("angry", "neutral", "positive")


def test_negation_flips_only_the_next_word():
    assert score_text("not happy").score < 0
    assert score_text("never been so annoyed").score < 0
    assert score_text("I'm not angry").score >= 0


def test_shouting_makes_it_worse():
    assert score_text("this is RIDICULOUS!!!").score < score_text("this is ridiculous").score


def test_conversation_mood_remembers_a_recent_outburst():
    mood = score_conversation(["hello", "you are useless, worst service ever", "ok"])
    assert mood.score < -0.2
    assert "useless" in mood.cues
    assert score_conversation([]).score == 0.0


def test_a_repeat_contact_reads_as_frustrated_without_a_sentiment_word():
    """VADER alone scores these 0.0; the repeat-contact phrases are what make them angry."""
    for text in ("this is the 4th time I've contacted you about this",
                 "I already reported this on Monday", "five days now and still no signal"):
        result = score_text(text)
        assert result.frustrated, (text, result)
    assert not score_text("any update on the fault I reported?").frustrated


def test_olivias_message_is_angry_and_shows_why():
    result = score_text("still NO signal at home … absolutely ridiculous")
    assert result.label == "angry"
    assert {"ridiculous", "still no"} <= set(result.cues)


def test_swearing_and_angry_emoji_count():
    assert score_text("what a shambles 🤬").frustrated
    assert score_text("fucking useless network 😡😡").frustrated
    assert not score_text("thanks, all sorted 👍").frustrated


def test_a_line_that_died_is_not_grief():
    assert score_text("my phone died, can I still get texts?").label == "neutral"

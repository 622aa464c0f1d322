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

from careline.channels.keywords import Keyword, keyword_of


def test_whole_message_keywords_are_recognised():
    assert keyword_of("STOP") is Keyword.STOP
    assert keyword_of(" stop. ") is Keyword.STOP
    assert keyword_of("Unsubscribe") is Keyword.STOP
    assert keyword_of("start") is Keyword.START
    assert keyword_of("HELP") is Keyword.HELP


def test_keywords_inside_a_sentence_or_cancel_go_to_the_bot():
    assert keyword_of("please stop charging me") is None
    assert keyword_of("cancel") is None
    assert keyword_of("") is None


def test_twilio_advanced_opt_out_type_decides():
    assert keyword_of("cancel", "STOP") is Keyword.STOP
    assert keyword_of("whatever", "HELP") is Keyword.HELP


def test_callback_is_a_keyword_in_any_case_and_spacing():
    assert keyword_of("CALLBACK") is Keyword.CALLBACK
    assert keyword_of("Call  back.") is Keyword.CALLBACK
    assert keyword_of("can you call me back tomorrow") is None

from careline.designer.metrics import evaluate
from careline.designer.similarity import distinct_groups, near_duplicates


def test_per_label_scores_macro_f1_and_confusions():
    expected = ["bill", "bill", "bill", "oos", "oos", "greet"]
    predicted = ["bill", "bill", "oos", "oos", "nlu_fallback", "greet"]
    ev = evaluate(expected, predicted, texts=list("abcdef"), confidences=[0.9] * 6)
    bill, greet, oos = ev.scores
    assert (bill.precision, bill.recall) == (1.0, 0.6667)
    assert (oos.precision, oos.recall, oos.f1) == (0.5, 0.5, 0.5)
    assert greet.f1 == 1.0
    assert ev.macro_f1 == round((0.8 + 1.0 + 0.5) / 3, 4)
    assert ev.confusions[0][2] == 1 and len(ev.confusions) == 2
    assert ev.matrix_columns == ("bill", "greet", "oos", "nlu_fallback")
    assert ev.matrix[2] == (0, 0, 1, 1)
    assert {m.text for m in ev.misses} == {"c", "e"}


def test_labels_without_messages_do_not_drag_macro_f1_down():
    ev = evaluate(["a"], ["a"], texts=["x"], confidences=[1.0], labels=["a", "b"])
    assert ev.macro_f1 == 1.0


def test_near_duplicates():
    assert near_duplicates("What's my balance?", "whats my balance")
    assert near_duplicates("please show my bill", "show my bill")
    assert not near_duplicates("hi", "hello")
    assert not near_duplicates("my internet is down", "my bill is too high")
    assert [len(g) for g in distinct_groups(["hi", "Hi!", "hello"])] == [2, 1]

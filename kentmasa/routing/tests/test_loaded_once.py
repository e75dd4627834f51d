"""The classifier's model is unpickled once per process and version, not per case: two intakes in a row
load it once (kentmasa.routing.training.current); a new version is loaded once more."""

from kentmasa.routing import training


def test_two_intakes_load_the_model_once(institution, trained, open_case, monkeypatch):
    training.forget_loaded()  # as a fresh worker process: nothing loaded yet
    loads = []
    original = training.Router.loads.__func__  # type: ignore[attr-defined]

    def counting(cls, blob):
        loads.append(1)
        return original(cls, blob)

    monkeypatch.setattr(training.Router, "loads", classmethod(counting))

    first = open_case(institution, "Çöpler alınmıyor", "Konteynerler taştı, koku var")
    second = open_case(institution, "Parktaki salıncak kırık", "Çocuk parkında salıncak zinciri kopmuş")

    assert len(loads) == 1
    assert first.routing_prediction is not None and second.routing_prediction is not None

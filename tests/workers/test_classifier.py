"""The real model: load, batch classification, combination policy, load errors, training
determinism, evaluation report. The encoder is loaded once for the module."""
import json
import shutil

import numpy as np
import pytest

from workers.classifier import Classification, Classifier, ClassifierLoadError, rules, training
from workers.classifier.encoder import Encoder, default_model_path
from workers.classifier.evaluation import evaluate, format_report, headline, task_metrics
from workers.classifier.heads import FLAGS, Heads

GAS = "fuite de gaz devant l'école, ça sent très fort"


@pytest.fixture(scope="module")
def clf():
    return Classifier.load()


@pytest.fixture(scope="module")
def batch(clf):
    texts = [
        GAS,
        "Merci beaucoup à toute l'équipe, bravo pour le marché de Noël, c'était magnifique !",
        "Bonjour, à quelle heure ouvre la mairie samedi ?",
        "Appelez-moi au 06 12 34 56 78 pour le dossier de logement",
        "Gagnez 5000€ par semaine avec le bitcoin, cliquez ici bit.ly/xyz",
        "Bande de connards, vous ne foutez rien",
        "Je vais vous buter un par un",
        "I'm going to kill myself tonight",
        "👍",
    ]
    return texts, clf.classify(texts)


def test_batch_shape_types_and_labels(clf, batch):
    texts, results = batch
    assert len(results) == len(texts)
    for r in results:
        assert isinstance(r, Classification)
        assert r.sentiment in ("negative", "neutral", "positive")
        assert r.urgency in ("critical", "high", "normal", "low")
        assert 0.0 <= r.sentiment_score <= 1.0 and 0.0 <= r.urgency_score <= 1.0
        assert r.flags == [f for f in FLAGS if f in r.flags]
        assert set(r.flag_scores) == set(FLAGS)
        assert r.model_version == clf.version
        assert set(r.as_dict()) == {"sentiment", "sentiment_score", "urgency", "urgency_score",
                                    "flags", "flag_scores", "language", "explanation", "model_version"}
        json.dumps(r.as_dict())
    assert clf.version.startswith("minilm-l6-heads-")


def test_gas_leak_is_critical_with_named_cue(batch):
    gas = batch[1][0]
    assert gas.urgency == "critical"
    assert any("fuite de gaz" in e and e.startswith("urgency critical") for e in gas.explanation)


def test_expected_labels_on_clear_messages(batch):
    _, (gas, praise, question, phone, spam, insult, threat, self_harm, thumbs) = batch
    assert praise.sentiment == "positive" and praise.urgency == "low"
    assert question.urgency == "normal" and question.language == "fr"
    assert "personal_data" in phone.flags
    assert "personal_data: phone number" in phone.explanation
    assert not any("06 12" in e for e in phone.explanation)  # never echo the data
    assert "spam" in spam.flags
    assert "toxic" in insult.flags and insult.sentiment == "negative"
    assert "threat" in threat.flags and threat.urgency == "critical"
    assert self_harm.urgency == "critical" and self_harm.language == "en"
    assert thumbs.language is None


def test_empty_and_single(clf):
    assert clf.classify([]) == []
    assert len(clf.classify(["ok"])) == 1


def test_classify_is_order_independent(clf):
    texts = ["Merci pour tout", GAS, "Where is the library?"]
    a = clf.classify(texts)
    b = clf.classify(texts[::-1])[::-1]
    assert [x.as_dict() for x in a] == [x.as_dict() for x in b]


def test_load_errors_name_the_path(tmp_path):
    with pytest.raises(ClassifierLoadError, match=str(tmp_path / "nope")):
        Classifier.load(heads_path=tmp_path / "nope")
    with pytest.raises(ClassifierLoadError, match="encoder directory"):
        Classifier.load(model_path=tmp_path / "no-model")
    bad = tmp_path / "bad"
    shutil.copytree(training.ARTEFACTS_DIR / training.ARTEFACT_VERSION, bad)
    (bad / "heads.npz").write_bytes(b"not a zip")
    with pytest.raises(ClassifierLoadError, match="heads.npz"):
        Classifier.load(heads_path=bad)


def test_env_heads_path_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("PARVIS_HEADS_PATH", str(tmp_path / "missing"))
    with pytest.raises(ClassifierLoadError, match="missing"):
        Classifier.load()


def _tiny_bert(path, labels=None):
    """A tiny random BERT (no download) using the packaged tokenizer."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification, BertModel

    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64)
    if labels:
        config.id2label = dict(enumerate(labels))
        config.label2id = {v: k for k, v in config.id2label.items()}
        model = BertForSequenceClassification(config)
    else:
        model = BertModel(config)
    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(str(default_model_path())).save_pretrained(path)
    return path


def test_heads_refuse_another_encoder(tmp_path):
    with pytest.raises(ClassifierLoadError, match="retrain"):
        Classifier.load(model_path=_tiny_bert(tmp_path / "tiny"))


def test_sentiment_model_star_labels_are_mapped(tmp_path):
    path = _tiny_bert(tmp_path / "stars", ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"])
    clf = Classifier.load(sentiment_model_path=path)
    assert clf.sentiment_model.mapping == [0, 0, 1, 2, 2]
    assert "+sentiment-stars" in clf.version
    result = clf.classify(["Super !", GAS])
    assert result[0].sentiment in ("negative", "neutral", "positive")
    assert result[1].urgency == "critical"


def test_sentiment_model_with_unknown_labels_is_refused(tmp_path):
    path = _tiny_bert(tmp_path / "odd", ["sports", "politics"])
    with pytest.raises(ClassifierLoadError, match="cannot map label"):
        Classifier.load(sentiment_model_path=path)


def test_training_is_deterministic_and_pickle_free(clf, tmp_path):
    rows = training.read_jsonl(training.DATA_DIR / "train.jsonl")[::60]
    extra = [{"text": "Les bornes sont en panne depuis ce matin", "urgency": "high"}]
    out_a, out_b = tmp_path / "a", tmp_path / "b"
    kwargs = dict(train_rows=rows, public_dir=None, encoder=clf.encoder, hash_buckets=256)
    summary = training.train(out_a, extra, **kwargs)
    training.train(out_b, extra, **kwargs)
    assert summary["own_rows"] == len(rows) and summary["extra_rows"] == 1
    assert (out_a / "heads.json").read_text() == (out_b / "heads.json").read_text()
    with np.load(out_a / "heads.npz", allow_pickle=False) as a, np.load(out_b / "heads.npz", allow_pickle=False) as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            assert np.array_equal(a[key], b[key]), key
    meta = json.loads((out_a / "heads.json").read_text())
    assert meta["version"] == training.ARTEFACT_VERSION and len(meta["training"]["data_sha256"]) == 64
    assert "date" not in json.dumps(meta)
    heads = Heads.load(out_a)
    assert heads.weights["urgency"].shape == (384 + 256 + len(rules.FEATURE_NAMES), 4)
    small = Classifier(clf.encoder, heads).classify(["fuite de gaz !", "merci"])
    assert small[0].urgency == "critical"
    training.train(tmp_path / "c", [], **kwargs)
    other = json.loads((tmp_path / "c" / "heads.json").read_text())
    assert other["training"]["data_sha256"] != meta["training"]["data_sha256"]


def test_packaged_artefact_is_small():
    directory = training.ARTEFACTS_DIR / training.ARTEFACT_VERSION
    size = sum(p.stat().st_size for p in directory.iterdir())
    assert size < 2_000_000


def test_task_metrics_on_a_known_confusion():
    m = task_metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"], ("a", "b"))
    assert m["confusion"] == [[1, 1], [0, 2]]
    assert m["per_label"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert m["per_label"]["b"]["precision"] == pytest.approx(2 / 3)
    assert m["accuracy"] == 0.75


def test_evaluation_report(clf):
    rows = training.read_jsonl(training.DATA_DIR / "test.jsonl")[::12]
    metrics = evaluate(clf, rows)
    assert set(metrics["by_language"]) == {"fr", "en"}
    assert set(headline(metrics)) >= {"sentiment_macro_f1", "critical_recall", "toxic_f1"}
    report = format_report(metrics)
    for needle in ("Headline", "critical_recall", "Overall", "Language fr", "Language en",
                   "flag:personal_data", "confusion (rows gold, columns predicted)", "macro-F1"):
        assert needle in report


def test_sparse_heads_give_the_dense_probabilities(clf):
    """predict_texts (sparse hashed rows, one fused product) == predict(features(...)) (training's path)."""
    texts = [GAS, "Merci !", "", "!!!", "😀😀", "a", "Appelez le 06 12 34 56 78",
             "bonjour bonjour bonjour " * 40]
    cues = [rules.scan(t) for t in texts]
    embeddings = clf.encoder.encode(texts)
    dense = clf.heads.predict(clf.heads.features(embeddings, texts, cues))
    sparse = clf.heads.predict_texts(embeddings, texts, cues)
    assert set(dense) == set(sparse)
    for name in dense:
        assert sparse[name].shape == dense[name].shape
        np.testing.assert_allclose(sparse[name], dense[name], atol=1e-5)


def test_encoder_dtype_setting(monkeypatch):
    from workers.classifier import encoder as enc

    monkeypatch.setenv("PARVIS_ENCODER_DTYPE", "float32")
    assert str(enc.inference_dtype()) == "torch.float32"
    monkeypatch.setenv("PARVIS_ENCODER_DTYPE", "BFloat16")
    assert str(enc.inference_dtype()) == "torch.bfloat16"
    monkeypatch.setenv("PARVIS_ENCODER_DTYPE", "auto")
    expected = "torch.bfloat16" if enc.native_bfloat16() else "torch.float32"
    assert str(enc.inference_dtype()) == expected
    monkeypatch.setenv("PARVIS_ENCODER_DTYPE", "float16")
    with pytest.raises(ClassifierLoadError, match="PARVIS_ENCODER_DTYPE='float16' is not one of auto, float32, bfloat16"):
        Classifier.load()


def test_bfloat16_and_float32_encoders_agree(clf):
    """The dtype changes speed, not the decisions: same labels on the clear cases."""
    texts = [GAS, "Merci beaucoup, bravo à toute l'équipe !", "Bande de connards", "Appelez-moi au 06 12 34 56 78",
             "Gagnez 5000€ par semaine avec le bitcoin, cliquez ici bit.ly/xyz"]
    results = {}
    for dtype in ("float32", "bfloat16"):
        other = Classifier(Encoder.load(dtype=dtype), clf.heads)
        assert other.encoder.dtype == dtype
        results[dtype] = other.classify(texts)
        embeddings = other.encoder.encode(texts)
        assert embeddings.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-3)
    a, b = results["float32"], results["bfloat16"]
    for x, y in zip(a, b):
        assert (x.sentiment, x.urgency, x.flags) == (y.sentiment, y.urgency, y.flags)


def test_training_uses_float32_whatever_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("PARVIS_ENCODER_DTYPE", "bfloat16")
    seen = {}
    real_load = Encoder.load

    def spy(path=None, dtype=None):
        encoder = real_load(path, dtype)
        seen["dtype"] = encoder.dtype
        raise RuntimeError("stop after loading")

    monkeypatch.setattr(Encoder, "load", staticmethod(spy))
    with pytest.raises(RuntimeError, match="stop after loading"):
        training.train(tmp_path / "out", train_rows=[{"text": "x", "sentiment": "neutral", "urgency": "normal",
                                                       "flags": []}], public_dir=None)
    assert seen["dtype"] == "float32"


def test_passes_bound_padded_tokens_and_cover_every_text(clf):
    from workers.classifier.encoder import MAX_LENGTH, passes

    tokenizer = clf.encoder.tokenizer
    texts = [GAS, "Merci !", "", "a", "Appelez le 06 12 34 56 78", "bonjour " * 300,
             "Le bus 42 ne passe plus depuis une semaine, personne ne répond au téléphone."] * 9
    counts = [len(tokenizer(t, truncation=True, max_length=MAX_LENGTH)["input_ids"]) for t in texts]
    for budget in (1, 64, 128, 512, 10_000):
        groups = passes(tokenizer, texts, budget)
        assert sorted(i for group in groups for i in group) == list(range(len(texts)))
        for group in groups:
            padded = len(group) * max(counts[i] for i in group)
            assert padded <= budget or len(group) == 1, (budget, group)
        longest = [max(counts[i] for i in group) for group in groups]
        assert longest == sorted(longest)  # sorted by length: each pass pads little
    assert len(passes(tokenizer, texts, 10_000)) == 1
    assert len(passes(tokenizer, texts, 1)) == len(texts)
    with pytest.raises(ValueError, match="tokens_per_pass must be at least 1"):
        passes(tokenizer, texts, 0)


def test_embeddings_do_not_depend_on_how_texts_are_grouped_into_passes(clf):
    texts = [GAS, "Merci !", "", "Appelez le 06 12 34 56 78", "bonjour " * 300, "Où est la mairie ?"] * 3
    alone = clf.encoder.encode(texts, tokens_per_pass=1)  # one text per pass: no padding at all
    for budget in (64, 512, 4096):
        grouped = clf.encoder.encode(texts, tokens_per_pass=budget)
        cosine = (grouped * alone).sum(axis=1) / (np.linalg.norm(grouped, axis=1) * np.linalg.norm(alone, axis=1))
        # A text given another's embedding would score 0.41 at most (these texts against each
        # other). bfloat16 rounds differently with the padded length: 0.99989 at worst, one value
        # 0.0025 off; float32 stays within 2e-3 on every value.
        assert cosine.min() >= 0.999, (budget, cosine.min())
        if clf.encoder.dtype == "float32":
            np.testing.assert_allclose(grouped, alone, atol=2e-3)


def test_sentiment_model_probabilities_stay_with_their_texts(tmp_path):
    path = _tiny_bert(tmp_path / "stars", ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"])
    clf = Classifier.load(sentiment_model_path=path)
    texts = ["Super !", GAS, "", "bonjour " * 200, "Merci beaucoup pour votre aide"]
    alone = np.stack([clf.sentiment_model.predict([t])[0] for t in texts])
    together = clf.sentiment_model.predict(texts)
    np.testing.assert_allclose(together, alone, atol=1e-4)
    np.testing.assert_allclose(together.sum(axis=1), 1.0, atol=1e-4)

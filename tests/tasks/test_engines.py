"""Both engines run quietly: library warnings that ask nothing of the user stay out of a run."""

import json
import logging
import shutil

from kabar.tasks import models
from kabar.tasks.engines import Decoding


def test_generation_and_token_counts_print_no_false_alarms(tiny_models, tmp_path, capfd, caplog):
    # The real models' generation configs set max_length; Kabar passes max_new_tokens.
    marian = shutil.copytree(tiny_models["marian"], tmp_path / "marian")
    config = json.loads((marian / "generation_config.json").read_text())
    (marian / "generation_config.json").write_text(json.dumps({**config, "max_length": 512}))
    engine = models.engine(models.resolve(str(marian)), "marian", "transformers", tmp_path)

    with caplog.at_level(logging.WARNING):
        english = engine.generate(["Presiden berbicara hari ini."], Decoding(beams=2))
        long_article = engine.count_tokens("Presiden berbicara hari ini. " * 400)
    assert english and long_article > 512  # counted whole, past the model's cap
    said = capfd.readouterr().err + caplog.text
    assert "max_length" not in said
    assert "longer than the specified maximum" not in said

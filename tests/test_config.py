"""Data settings: profiles, overrides, validation with clear messages, and stable hashes."""

from __future__ import annotations

import dataclasses

import pytest

from melodyreg import config
from melodyreg import constants as C
from melodyreg.config import DataConfig, config_hash, data_config


def test_profiles():
    smoke, poster = data_config("smoke"), data_config("poster")
    assert smoke.collections == ("miscFolk",)
    assert poster.collections == ("oneills1850", "ryansMammoth", "airdsAirs", "miscFolk")
    assert data_config() == poster
    for data in (smoke, poster):
        assert data.source == "folk"
        assert (data.steps_per_quarter, data.min_bars, data.max_steps, data.gap_bars, data.min_unique_pitches) == (
            4,
            7,
            512,
            1.0,
            5,
        )
        assert (data.min_pitch, data.max_pitch, data.transpose_to_key) == (48, 84, 0)
        assert (data.test_fraction, data.valid_fraction) == (0.1, 0.1)
        assert data.essen is False


def test_overrides_apply_and_none_keeps_the_profile_value():
    config = data_config("smoke", min_bars=4, test_fraction=0.2)
    assert (config.min_bars, config.test_fraction, config.collections) == (4, 0.2, ("miscFolk",))
    kept = data_config("smoke", collections=None, min_bars=None, path=None, transpose_to_key=None)
    assert kept == data_config("smoke")
    assert kept.transpose_to_key == 0  # None as an override means "the profile's value", not "no key"


def test_transpose_to_key_none_is_possible_on_the_dataclass():
    assert DataConfig(transpose_to_key=None).transpose_to_key is None


def test_collections_are_stored_as_a_tuple():
    config = data_config("poster", collections=["miscFolk", "airdsAirs"])
    assert config.collections == ("miscFolk", "airdsAirs")
    assert hash(config) == hash(data_config("poster", collections=("miscFolk", "airdsAirs")))


def test_essen_source_selects_the_essen_collection():
    config = data_config("poster", source="essen")
    assert config.collections == C.ESSEN_COLLECTIONS == ("essenFolksong",)
    assert config.essen is True
    assert data_config("smoke", source="essen").collections == ("essenFolksong",)
    # a parameters cell that leaves `collections` open (None) gets the Essen collection too
    assert data_config("poster", source="essen", collections=None).collections == ("essenFolksong",)
    # explicit collections win
    assert data_config("poster", source="essen", collections=("miscFolk",)).collections == ("miscFolk",)
    # Essen named among folk collections also counts as Essen (its licence is non-commercial)
    assert data_config("poster", collections=("miscFolk", "essenFolksong")).essen is True


def test_maestro_and_midi_sources_need_a_path():
    assert data_config("poster", source="maestro", path="m.zip").path == "m.zip"
    for source in ("maestro", "midi"):
        with pytest.raises(ValueError, match=rf"source '{source}' needs `path`"):
            data_config("poster", source=source)


def test_unknown_profile():
    with pytest.raises(ValueError, match=r"unknown profile 'huge'; choose one of \['full', 'poster', 'smoke'\]"):
        data_config("huge")


def test_unknown_field():
    with pytest.raises(ValueError, match=r"unknown data settings \['bars', 'colour'\]"):
        data_config("smoke", bars=3, colour="red")


def test_unknown_collection():
    with pytest.raises(ValueError, match=r"unknown or no collections \['bogus'\]"):
        data_config("smoke", collections=("miscFolk", "bogus"))
    with pytest.raises(ValueError, match=r"unknown or no collections \(\)"):
        data_config("smoke", collections=())


def test_unknown_source():
    with pytest.raises(ValueError, match=r"unknown source 'youtube'; choose one of"):
        data_config("smoke", source="youtube")


def test_unknown_maestro_split():
    with pytest.raises(ValueError, match=r"maestro_split must be one of \('random', 'official'\), got 'x'"):
        data_config("smoke", maestro_split="x")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("min_bars", -1, "min_bars must be at least 1, got -1"),
        ("steps_per_quarter", 0, "steps_per_quarter must be at least 1, got 0"),
        ("max_steps", 0, "max_steps must be at least 1, got 0"),
        ("min_unique_pitches", -5, "min_unique_pitches must be at least 1, got -5"),
        ("gap_bars", 0, "gap_bars must be positive, got 0"),
        ("gap_bars", -0.5, "gap_bars must be positive, got -0.5"),
        ("test_fraction", 0, "test_fraction must lie strictly between 0 and 1, got 0.0"),
        ("test_fraction", 1.0, "test_fraction must lie strictly between 0 and 1, got 1.0"),
        ("valid_fraction", -0.1, "valid_fraction must lie strictly between 0 and 1, got -0.1"),
        ("valid_fraction", 1.5, "valid_fraction must lie strictly between 0 and 1, got 1.5"),
        ("transpose_to_key", 12, "transpose_to_key must be 0..11 or None, got 12"),
        ("transpose_to_key", -1, "transpose_to_key must be 0..11 or None, got -1"),
    ],
)
def test_bad_values(field, value, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        data_config("smoke", **{field: value})


def test_pitch_range_must_fit_midi_and_the_model():
    assert data_config("smoke", min_pitch=36, max_pitch=72).min_pitch == 36  # another 36-pitch window
    with pytest.raises(ValueError, match=r"pitch range \[100, 136\) must lie in \[0, 128\)"):
        data_config("smoke", min_pitch=100, max_pitch=136)
    with pytest.raises(ValueError, match=r"pitch range \[60, 50\) must lie in \[0, 128\)"):
        data_config("smoke", min_pitch=60, max_pitch=50)
    with pytest.raises(ValueError, match=r"the model's 38 classes need a 36-pitch range"):
        data_config("smoke", min_pitch=48, max_pitch=72)


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        data_config("smoke").min_bars = 3


def test_config_hash_is_stable_and_sensitive():
    a = config_hash(data_config("smoke"))
    assert len(a) == 12 and set(a) <= set("0123456789abcdef")
    assert config_hash(data_config("smoke")) == a
    assert config_hash(DataConfig(collections=["miscFolk"])) == a  # same settings, built another way
    assert config_hash(data_config("smoke", min_bars=6)) != a
    assert config_hash(data_config("poster")) != a
    assert config_hash(data_config("smoke"), length=20)[:12] == a
    assert len(config_hash(data_config("smoke"), length=20)) == 20


def test_a_strategy_keeps_only_its_own_knobs():
    # the full profile's professor-forcing design never changes another strategy's run
    assert config.experiment_config("full", "dropout", data=config.data_config("full")) == config.experiment_config(
        "poster", "dropout", data=config.data_config("poster")
    )
    assert config.experiment_config("full", "professor_forcing").strategy.pf_adversarial == "separate"
    assert config.experiment_config("poster", "professor_forcing").strategy.pf_adversarial == "raw"
    assert config.experiment_config("poster", "baseline", ss_k=3.0) == config.experiment_config("poster", "baseline")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"iterations": 20.5}, "iterations must be an integer, got 20.5"),
        ({"iterations": "200"}, "iterations must be an integer, got '200'"),
        ({"iterations": True}, "iterations must be an integer, got True"),
        ({"layers": 16}, "layers must be a sequence of integers, got 16"),
        ({"layers": (8, 8.5)}, "layers must be an integer, got 8.5"),
        ({"ss_k": "abc"}, "ss_k must be a finite number, got 'abc'"),
        ({"ss_sampling": 1}, "ss_sampling must be a string, got 1"),
    ],
)
def test_settings_of_the_wrong_type_are_refused_by_name(overrides, message):
    with pytest.raises(config.ConfigError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
        config.experiment_config("smoke", "scheduled_sampling", **overrides)


def test_numbers_and_sequences_are_normalised_so_equal_settings_hash_alike():
    as_ints = config.experiment_config("smoke", "scheduled_sampling", ss_k=300, layers=[8, 8])
    as_floats = config.experiment_config("smoke", "scheduled_sampling", ss_k=300.0, layers=(8, 8))
    assert as_ints == as_floats and config_hash(as_ints) == config_hash(as_floats)
    assert isinstance(as_ints.strategy.ss_k, float) and as_ints.model.layers == (8, 8)


def test_a_string_of_collections_is_one_collection_and_paths_are_strings():
    assert data_config("smoke", collections="miscFolk").collections == ("miscFolk",)
    with pytest.raises(config.ConfigError, match=r"^path must be a string or None, got 3$"):
        data_config("smoke", source="midi", path=3)
    with pytest.raises(config.ConfigError, match=r"^seed must be an integer, got 'x'$"):
        config.experiment_config("smoke", seed="x")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"seed": -1}, "seed must be from 0 to 4294967295, got -1"),
        ({"seed": 2**32}, "seed must be from 0 to 4294967295, got 4294967296"),
        ({"split_seed": -1}, "split_seed must be from 0 to 4294967295, got -1"),
        ({"learning_rate": float("inf")}, "learning_rate must be a finite number, got inf"),
        ({"ss_k": float("nan")}, "ss_k must be a finite number, got nan"),
        ({"iterations": 2**31}, "iterations must be at most 2147483647, got 2147483648"),
        ({"layers": (2**40,)}, "layers must be positive unit counts (at most 2147483647), got (1099511627776,)"),
        ({"pf_pool": 0}, "pf_pool must be from 1 to 2147483647, got 0"),
        ({"num_classes": 5}, "num_classes must be 38, the classes of the data, got 5"),
        ({"name": "dropout"}, "the strategy is not a setting (got name='dropout'); choose it as the strategy"),
    ],
)
def test_seeds_counts_and_finite_numbers_are_checked_where_the_settings_are_made(overrides, message):
    with pytest.raises(config.ConfigError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        config.experiment_config("smoke", "scheduled_sampling", **overrides)


def test_every_setting_has_its_type():
    fields = {
        f.name
        for cls in (config.ModelConfig, config.TrainConfig, config.StrategyConfig)
        for f in dataclasses.fields(cls)
    }
    assert set(config.SETTINGS) == fields - {"name"}  # the strategy is an argument, not a setting
    assert config.SETTINGS["layers"] == tuple[int, ...] and config.SETTINGS["ss_k"] is float


def test_a_label_names_the_knobs_away_from_the_defaults_the_learning_rate_included():
    assert config.experiment_config("poster", "baseline", seed=3).label() == "baseline seed 3"
    tuned = config.experiment_config("poster", "baseline", seed=3, learning_rate=0.0018)
    assert tuned.label() == "baseline (learning_rate=0.0018) seed 3"  # two baseline tuning runs, two labels
    ss = config.experiment_config("poster", "scheduled_sampling", seed=3, ss_k=900.0, learning_rate=0.0013)
    assert ss.label() == "scheduled_sampling (ss_k=900, learning_rate=0.0013) seed 3"

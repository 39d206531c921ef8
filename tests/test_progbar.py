"""Tests of `lamina.utils.progbar.Progbar` against Keras 3.15.1's output.

Every expected string commented "Keras 3.15.1" was captured once from
`keras.utils.Progbar` of Keras 3.15.1 (TensorFlow backend) by running the very
same calls as the test, with `keras.src.utils.progbar.time` replaced by the
same fake clock (starting at 1000.0 s) and `sys.stdout` redirected to an
`io.StringIO`. Keras always uses its dynamic display on Linux, so those
strings are what lamina must write in dynamic mode.
"""

from __future__ import annotations

import io
import re
import sys
import types

import numpy as np
import pytest

from lamina.utils import progbar as progbar_module
from lamina.utils.progbar import Progbar

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class FakeClock:
    """Stands in for the `time` module inside lamina.utils.progbar."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progbar_module, "time", fake)
    return fake


@pytest.fixture
def dynamic(monkeypatch):
    monkeypatch.setenv("LAMINA_PROGRESS", "dynamic")


@pytest.fixture
def plain(monkeypatch):
    monkeypatch.setenv("LAMINA_PROGRESS", "plain")


@pytest.fixture
def auto(monkeypatch):
    """No forced mode and no IPython kernel: the stream decides."""
    monkeypatch.delenv("LAMINA_PROGRESS", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)


def assert_no_control_chars(text: str) -> None:
    assert "\b" not in text
    assert "\r" not in text
    assert "\x1b" not in text


# -- scenarios shared by several tests ---------------------------------------


def run_basic(clock: FakeClock, verbose: int = 1) -> None:
    bar = Progbar(3, verbose=verbose)
    clock.tick(0.5)
    bar.update(1, [("loss", 0.9), ("accuracy", 0.5)])
    clock.tick(0.06)
    bar.update(2, [("loss", 0.7), ("accuracy", 0.6)])
    clock.tick(0.06)
    bar.update(3, [("loss", 0.5), ("accuracy", 0.5)])


def run_unknown(clock: FakeClock, verbose: int = 1) -> None:
    bar = Progbar(None, verbose=verbose)
    for i in range(1, 4):
        clock.tick(0.1)
        bar.update(i, [("loss", 1.0 / i)])
    clock.tick(0.1)
    bar.update(3, [("loss", 0.25)], finalize=True)


def run_small_values(clock: FakeClock, verbose: int = 1) -> None:
    bar = Progbar(2, verbose=verbose, stateful_metrics=["acc"])
    clock.tick(1.5)
    bar.update(1, [("loss", 0.0005), ("neg", -0.5), ("acc", 0.25), ("tiny", -0.0002)])
    clock.tick(2.5)
    bar.update(2, [("loss", 0.0003), ("neg", -0.3), ("acc", 0.75), ("tiny", -0.0001)])


# Keras 3.15.1: run_basic(verbose=1).
KERAS_BASIC_V1 = (
    "\r\x1b[1m1/3\x1b[0m \x1b[32m" + "━" * 6 + "\x1b[0m\x1b[37m" + "━" * 14
    + "\x1b[0m \x1b[1m1s\x1b[0m 500ms/step - loss: 0.9000 - accuracy: 0.5000"
    + "\b" * 72
    + "\r\x1b[1m2/3\x1b[0m \x1b[32m" + "━" * 13 + "\x1b[0m\x1b[37m" + "━" * 7
    + "\x1b[0m \x1b[1m0s\x1b[0m 60ms/step - loss: 0.8000 - accuracy: 0.5500 "
    + "\b" * 71
    + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
    + " \x1b[1m1s\x1b[0m 60ms/step - loss: 0.5000 - accuracy: 0.5000\n"
)


# -- dynamic display: byte-for-byte Keras ------------------------------------


def test_dynamic_verbose1_matches_keras(clock, dynamic, capsys):
    run_basic(clock)
    assert capsys.readouterr().out == KERAS_BASIC_V1


@pytest.mark.parametrize("mode", ["dynamic", "plain"])
def test_verbose2_matches_keras_in_both_modes(clock, monkeypatch, capsys, mode):
    monkeypatch.setenv("LAMINA_PROGRESS", mode)
    run_basic(clock, verbose=2)
    # Keras 3.15.1: run_basic(verbose=2).
    assert capsys.readouterr().out == "3/3 - 1s - 60ms/step - loss: 0.5000 - accuracy: 0.5000\n"


def test_unknown_target_matches_keras(clock, dynamic, capsys):
    run_unknown(clock)
    # Keras 3.15.1: run_unknown(verbose=1).
    expected = (
        "\r      1/Unknown \x1b[1m0s\x1b[0m 100ms/step - loss: 1.0000" + "\b" * 44
        + "\r      2/Unknown \x1b[1m0s\x1b[0m 100ms/step - loss: 0.7500" + "\b" * 44
        + "\r      3/Unknown \x1b[1m0s\x1b[0m 100ms/step - loss: 0.6111" + "\b" * 44
        + "\r      3/Unknown \x1b[1m0s\x1b[0m 150ms/step - loss: 0.2500\n"
    )
    assert capsys.readouterr().out == expected


def test_unknown_target_verbose2_prints_nothing(clock, dynamic, capsys):
    run_unknown(clock, verbose=2)
    # Keras 3.15.1: run_unknown(verbose=2) writes nothing (no known target).
    assert capsys.readouterr().out == ""


def test_small_and_negative_values_verbose1(clock, dynamic, capsys):
    run_small_values(clock)
    # Keras 3.15.1: run_small_values(verbose=1). |v| <= 1e-3 -> %.4e; "acc"
    # is stateful (shown as given), the others are averaged.
    expected = (
        "\r\x1b[1m1/2\x1b[0m \x1b[32m" + "━" * 10 + "\x1b[0m\x1b[37m" + "━" * 10
        + "\x1b[0m \x1b[1m1s\x1b[0m 2s/step - loss: 5.0000e-04 - neg: -0.5000"
        " - acc: 0.2500 - tiny: -2.0000e-04" + "\b" * 103
        + "\r\x1b[1m2/2\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m4s\x1b[0m 2s/step - loss: 3.0000e-04 - neg: -0.3000 - acc: 0.7500"
        " - tiny: -1.0000e-04\n"
    )
    assert capsys.readouterr().out == expected


def test_small_and_negative_values_verbose2(clock, dynamic, capsys):
    run_small_values(clock, verbose=2)
    # Keras 3.15.1: run_small_values(verbose=2). Here the rule is v > 1e-3
    # without abs(), so negative values print as %.4e.
    expected = (
        "2/2 - 4s - 2s/step - loss: 3.0000e-04 - neg: -3.0000e-01 - acc: 0.7500"
        " - tiny: -1.0000e-04\n"
    )
    assert capsys.readouterr().out == expected


def test_updates_are_throttled_by_interval(clock, dynamic, capsys):
    bar = Progbar(10, verbose=1)
    for i in range(1, 11):
        clock.tick(0.02)
        bar.update(i, [("loss", float(i))])
    # Keras 3.15.1: same loop. Only steps 1, 4, 7 (>= 0.05 s apart) and the
    # final step are drawn; the averages still include every step.
    expected = (
        "\r\x1b[1m 1/10\x1b[0m \x1b[32m" + "━" * 2 + "\x1b[0m\x1b[37m" + "━" * 18
        + "\x1b[0m \x1b[1m0s\x1b[0m 20ms/step - loss: 1.0000" + "\b" * 54
        + "\r\x1b[1m 4/10\x1b[0m \x1b[32m" + "━" * 8 + "\x1b[0m\x1b[37m" + "━" * 12
        + "\x1b[0m \x1b[1m0s\x1b[0m 20ms/step - loss: 2.5000" + "\b" * 54
        + "\r\x1b[1m 7/10\x1b[0m \x1b[32m" + "━" * 14 + "\x1b[0m\x1b[37m" + "━" * 6
        + "\x1b[0m \x1b[1m0s\x1b[0m 20ms/step - loss: 4.0000" + "\b" * 54
        + "\r\x1b[1m10/10\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 20ms/step - loss: 10.0000\n"
    )
    assert capsys.readouterr().out == expected


def test_eta_hours_and_first_step_excluded(clock, dynamic, capsys):
    bar = Progbar(1000, verbose=1)
    for seconds, step in [(10, 1), (10, 2), (0.1, 600), (30, 700), (0.001, 1000)]:
        clock.tick(seconds)
        bar.update(step)
    # Keras 3.15.1: same calls. ETA as h:mm:ss above an hour; the per-step
    # time leaves out the first (slow) step once there are more.
    expected = (
        "\r\x1b[1m   1/1000\x1b[0m \x1b[37m" + "━" * 20
        + "\x1b[0m \x1b[1m2:46:30\x1b[0m 10s/step" + "\b" * 47
        + "\r\x1b[1m   2/1000\x1b[0m \x1b[37m" + "━" * 20
        + "\x1b[0m \x1b[1m2:46:20\x1b[0m 10s/step" + "\b" * 47
        + "\r\x1b[1m 600/1000\x1b[0m \x1b[32m" + "━" * 12 + "\x1b[0m\x1b[37m" + "━" * 8
        + "\x1b[0m \x1b[1m6s\x1b[0m 17ms/step    " + "\b" * 43
        + "\r\x1b[1m 700/1000\x1b[0m \x1b[32m" + "━" * 14 + "\x1b[0m\x1b[37m" + "━" * 6
        + "\x1b[0m \x1b[1m17s\x1b[0m 57ms/step" + "\b" * 44
        + "\r\x1b[1m1000/1000\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m50s\x1b[0m 40ms/step\n"
    )
    assert capsys.readouterr().out == expected


def test_eta_minutes(clock, dynamic, capsys):
    bar = Progbar(100, verbose=1)
    for seconds, step in [(2, 1), (2, 2), (2, 3), (250, 100)]:
        clock.tick(seconds)
        bar.update(step)
    # Keras 3.15.1: same calls. ETA as m:ss between one minute and an hour.
    expected = (
        "\r\x1b[1m  1/100\x1b[0m \x1b[37m" + "━" * 20
        + "\x1b[0m \x1b[1m3:18\x1b[0m 2s/step" + "\b" * 41
        + "\r\x1b[1m  2/100\x1b[0m \x1b[37m" + "━" * 20
        + "\x1b[0m \x1b[1m3:16\x1b[0m 2s/step" + "\b" * 41
        + "\r\x1b[1m  3/100\x1b[0m \x1b[37m" + "━" * 20
        + "\x1b[0m \x1b[1m3:14\x1b[0m 2s/step" + "\b" * 41
        + "\r\x1b[1m100/100\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m256s\x1b[0m 3s/step\n"
    )
    assert capsys.readouterr().out == expected


def test_time_units(clock, dynamic, capsys):
    bar = Progbar(5, verbose=1, interval=0)
    for seconds, step in [(2, 1), (2, 2), (0.0001, 3), (0.0000004, 4), (0, 5)]:
        clock.tick(seconds)
        bar.update(step)
    # Keras 3.15.1: same calls (s/step, ms/step).
    expected = (
        "\r\x1b[1m1/5\x1b[0m \x1b[32m" + "━" * 4 + "\x1b[0m\x1b[37m" + "━" * 16
        + "\x1b[0m \x1b[1m8s\x1b[0m 2s/step" + "\b" * 35
        + "\r\x1b[1m2/5\x1b[0m \x1b[32m" + "━" * 8 + "\x1b[0m\x1b[37m" + "━" * 12
        + "\x1b[0m \x1b[1m6s\x1b[0m 2s/step" + "\b" * 35
        + "\r\x1b[1m3/5\x1b[0m \x1b[32m" + "━" * 12 + "\x1b[0m\x1b[37m" + "━" * 8
        + "\x1b[0m \x1b[1m2s\x1b[0m 1s/step" + "\b" * 35
        + "\r\x1b[1m4/5\x1b[0m \x1b[32m" + "━" * 16 + "\x1b[0m\x1b[37m" + "━" * 4
        + "\x1b[0m \x1b[1m0s\x1b[0m 667ms/step" + "\b" * 38
        + "\r\x1b[1m5/5\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m4s\x1b[0m 500ms/step\n"
    )
    assert capsys.readouterr().out == expected


def test_microseconds_per_step(clock, plain, capsys):
    bar = Progbar(1000, verbose=2)
    clock.tick(0.000123 * 1000)
    bar.update(1000)
    # Same rule as Keras's _format_time: below 1 ms -> us/step.
    assert capsys.readouterr().out == "1000/1000 - 0s - 123us/step\n"


def test_add_and_weighted_average(clock, dynamic, capsys):
    bar = Progbar(4, verbose=1, interval=0)
    clock.tick(0.25)
    bar.add(1, [("x", 1.0)])
    clock.tick(0.25)
    bar.add(2, [("x", 4.0)])
    clock.tick(0.25)
    bar.add(1, [("x", 2.0)])
    # Keras 3.15.1: same calls. x averages (1*1 + 4*2) / 3 = 3 after step 3;
    # the finalizing update shows its own value, as Keras does.
    expected = (
        "\r\x1b[1m1/4\x1b[0m \x1b[32m" + "━" * 5 + "\x1b[0m\x1b[37m" + "━" * 15
        + "\x1b[0m \x1b[1m0s\x1b[0m 250ms/step - x: 1.0000" + "\b" * 50
        + "\r\x1b[1m3/4\x1b[0m \x1b[32m" + "━" * 15 + "\x1b[0m\x1b[37m" + "━" * 5
        + "\x1b[0m \x1b[1m0s\x1b[0m 125ms/step - x: 3.0000" + "\b" * 50
        + "\r\x1b[1m4/4\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m1s\x1b[0m 167ms/step - x: 2.0000\n"
    )
    assert capsys.readouterr().out == expected


def test_add_verbose2(clock, dynamic, capsys):
    bar = Progbar(4, verbose=2)
    clock.tick(0.25)
    bar.add(1, [("x", 1.0)])
    clock.tick(0.25)
    bar.add(3, [("x", 5.0)])
    # Keras 3.15.1: same calls.
    assert capsys.readouterr().out == "4/4 - 0s - 83ms/step - x: 5.0000\n"


def test_shorter_line_is_padded_with_spaces(clock, dynamic, capsys):
    bar = Progbar(12, verbose=1, interval=0)
    clock.tick(0.1)
    bar.update(1, [("a_long_metric_name", 123.456)])
    clock.tick(0.1)
    bar.update(2, [("b", 1.0)])
    clock.tick(0.1)
    bar.update(12, [("b", 1.0)])
    # Keras 3.15.1: same calls; the last line is one column shorter than the
    # previous one, hence the trailing space before the newline.
    expected = (
        "\r\x1b[1m 1/12\x1b[0m \x1b[32m" + "━" * 1 + "\x1b[0m\x1b[37m" + "━" * 19
        + "\x1b[0m \x1b[1m1s\x1b[0m 100ms/step - a_long_metric_name: 123.4560" + "\b" * 71
        + "\r\x1b[1m 2/12\x1b[0m \x1b[32m" + "━" * 3 + "\x1b[0m\x1b[37m" + "━" * 17
        + "\x1b[0m \x1b[1m1s\x1b[0m 100ms/step - a_long_metric_name: 123.4560 - b: 1.0000"
        + "\b" * 83
        + "\r\x1b[1m12/12\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m0s\x1b[0m 18ms/step - a_long_metric_name: 123.4560 - b: 1.0000 \n"
    )
    assert capsys.readouterr().out == expected


def test_zero_target_is_shown_as_unknown(clock, dynamic, capsys):
    bar = Progbar(0, verbose=1)
    bar.update(0, [("a", 1.0)])
    clock.tick(1)
    bar.update(0, [("a", 3.0)], finalize=True)
    # Keras 3.15.1: same calls (0 >= target finalizes immediately).
    expected = (
        "\r      0/Unknown \x1b[1m0s\x1b[0m 0s/step - a: 1.0000\n" + "\b" * 38
        + "\r      0/Unknown \x1b[1m1s\x1b[0m 0s/step - a: 3.0000\n"
    )
    assert capsys.readouterr().out == expected


def test_finalize_before_target(clock, dynamic, capsys):
    bar = Progbar(10, verbose=1)
    clock.tick(1)
    bar.update(4, [("a", 1.0)], finalize=True)
    # Keras 3.15.1: same calls.
    expected = (
        "\r\x1b[1m 4/10\x1b[0m \x1b[32m" + "━" * 8 + "\x1b[0m\x1b[37m" + "━" * 12
        + "\x1b[0m \x1b[1m1s\x1b[0m 250ms/step - a: 1.0000\n"
    )
    assert capsys.readouterr().out == expected


def test_numpy_values(clock, dynamic, capsys):
    bar = Progbar(3, verbose=1, interval=0)
    clock.tick(0.3)
    bar.update(1, [("f32", np.float32(0.7)), ("i", 3), ("arr", np.array([1.0, 2.0]))])
    clock.tick(0.3)
    bar.update(3, [("f32", np.float32(0.1)), ("i", 4), ("arr", np.array([1.0, 3.0]))])
    # Keras 3.15.1: same calls (arrays are shown as their mean).
    expected = (
        "\r\x1b[1m1/3\x1b[0m \x1b[32m" + "━" * 6 + "\x1b[0m\x1b[37m" + "━" * 14
        + "\x1b[0m \x1b[1m0s\x1b[0m 300ms/step - f32: 0.7000 - i: 3.0000 - arr: 1.5000"
        + "\b" * 78
        + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m1s\x1b[0m 150ms/step - f32: 0.1000 - i: 4.0000 - arr: 2.0000\n"
    )
    assert capsys.readouterr().out == expected


def test_stateless_metrics(clock, dynamic, capsys):
    bar = Progbar(3, verbose=1, interval=0, stateless_metrics=["avg"])
    clock.tick(0.3)
    bar.update(1, [("avg", 1.0), ("raw", 1.0)])
    clock.tick(0.3)
    bar.update(2, [("avg", 3.0), ("raw", 3.0)])
    clock.tick(0.3)
    bar.update(3)
    # Keras 3.15.1: same calls; only "avg" is averaged.
    expected = (
        "\r\x1b[1m1/3\x1b[0m \x1b[32m" + "━" * 6 + "\x1b[0m\x1b[37m" + "━" * 14
        + "\x1b[0m \x1b[1m0s\x1b[0m 300ms/step - avg: 1.0000 - raw: 1.0000" + "\b" * 66
        + "\r\x1b[1m2/3\x1b[0m \x1b[32m" + "━" * 13 + "\x1b[0m\x1b[37m" + "━" * 7
        + "\x1b[0m \x1b[1m0s\x1b[0m 300ms/step - avg: 2.0000 - raw: 3.0000" + "\b" * 66
        + "\r\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m"
        " \x1b[1m1s\x1b[0m 300ms/step - avg: 2.0000 - raw: 3.0000\n"
    )
    assert capsys.readouterr().out == expected


def test_verbose0_is_silent(clock, dynamic, capsys):
    bar = Progbar(3, verbose=0)
    bar.update(3, [("a", 1.0)])
    assert capsys.readouterr().out == ""


def test_both_metric_lists_rejected():
    with pytest.raises(ValueError, match="stateful_metrics"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


# -- plain display (lamina's improvement over Keras) --------------------------


def test_plain_mode_writes_one_final_line(clock, plain, capsys):
    run_basic(clock)
    out = capsys.readouterr().out
    assert_no_control_chars(out)
    # The final line of KERAS_BASIC_V1 without its escape codes.
    assert out == "3/3 " + "━" * 20 + " 1s 60ms/step - loss: 0.5000 - accuracy: 0.5000\n"
    assert out == ANSI.sub("", KERAS_BASIC_V1.split("\r")[-1])


def test_plain_mode_unknown_target(clock, plain, capsys):
    run_unknown(clock)
    out = capsys.readouterr().out
    assert out == "      3/Unknown 0s 150ms/step - loss: 0.2500\n"


def test_plain_mode_partial_bar_has_distinct_remainder(clock, plain, capsys):
    bar = Progbar(10, verbose=1)
    clock.tick(1)
    bar.update(4, [("a", 1.0)], finalize=True)
    assert capsys.readouterr().out == " 4/10 " + "━" * 8 + "─" * 12 + " 1s 250ms/step - a: 1.0000\n"


def test_plain_mode_nothing_until_finalized(clock, plain, capsys):
    bar = Progbar(5, verbose=1, interval=0)
    for step in range(1, 5):
        clock.tick(0.1)
        bar.update(step, [("loss", 1.0)])
    assert capsys.readouterr().out == ""
    clock.tick(0.1)
    bar.update(5, [("loss", 1.0)])
    assert capsys.readouterr().out.count("\n") == 1


def test_auto_mode_is_plain_when_not_a_tty(clock, auto, capsys):
    run_basic(clock)
    out = capsys.readouterr().out
    assert_no_control_chars(out)
    assert out.count("\n") == 1


class TTYStream(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_mode_is_dynamic_on_a_tty(clock, auto, monkeypatch):
    stream = TTYStream()
    monkeypatch.setattr(sys, "stdout", stream)
    run_basic(clock)
    assert stream.getvalue() == KERAS_BASIC_V1


def test_auto_mode_is_dynamic_in_ipykernel(clock, auto, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    run_basic(clock)
    assert capsys.readouterr().out == KERAS_BASIC_V1


def test_env_forces_plain_on_a_tty(clock, plain, monkeypatch):
    stream = TTYStream()
    monkeypatch.setattr(sys, "stdout", stream)
    run_basic(clock)
    assert_no_control_chars(stream.getvalue())


def test_env_forces_dynamic_when_not_a_tty(clock, monkeypatch, capsys):
    monkeypatch.setenv("LAMINA_PROGRESS", "Dynamic")
    run_basic(clock)
    assert capsys.readouterr().out == KERAS_BASIC_V1


def test_stdout_looked_up_at_write_time(clock, plain, monkeypatch):
    bar = Progbar(1, verbose=1)
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    bar.update(1)
    assert stream.getvalue().startswith("1/1 ")


def test_ascii_stdout_falls_back_to_equals(clock, plain, monkeypatch):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    bar = Progbar(10, verbose=1)
    clock.tick(1)
    bar.update(4, [("a", 1.0)], finalize=True)
    # Keras replaces "━" by "=" when stdout cannot encode it; lamina does the
    # same and draws the unfinished part with ".".
    assert raw.getvalue() == b" 4/10 ========............ 1s 250ms/step - a: 1.0000\n"

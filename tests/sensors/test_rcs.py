import numpy as np
import pytest

from iadsim.sensors.rcs import aspect_angle_rad, aspect_rcs_m2


def test_aspect_angle_nose_side_tail():
    radar_to_target = np.array([[1000.0, 0, 0]] * 3)
    vel = np.array([[-200.0, 0, 0], [0, 200.0, 0], [200.0, 0, 0]])
    np.testing.assert_allclose(aspect_angle_rad(radar_to_target, vel), [0, np.pi / 2, np.pi])


def test_aspect_rcs_interpolates_in_db():
    table = np.array([[0.0, 10.0, 4.0]])
    got = aspect_rcs_m2(table, np.array([[0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4, np.pi]]))
    np.testing.assert_allclose(10 * np.log10(got), [[0.0, 5.0, 10.0, 7.0, 4.0]])


def test_aspect_rcs_broadcasts_over_time():
    table = np.array([[0.0, 0.0, 0.0], [-10.0, -10.0, -10.0]])
    out = aspect_rcs_m2(table, np.zeros((5, 2)))
    assert out.shape == (5, 2)
    assert out[:, 1] == pytest.approx(0.1)

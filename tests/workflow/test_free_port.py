"""The e2e sessions' local ports come from outside the kernel's ephemeral range, which outgoing
connections draw from (one took the backend's forward port in ci10)."""
import socket

from tests.support.ports import _ephemeral_low, free_port


def test_a_free_port_is_below_the_ephemeral_range_and_bindable():
    for _ in range(20):
        port = free_port()
        assert 10000 <= port < _ephemeral_low()
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))

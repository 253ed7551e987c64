"""Sends COUNT datagrams to ADDRESS:PORT and prints who answered each, or "error" after 3 s.

usage: python3 - ADDRESS PORT COUNT new|one

new: each datagram from a socket of its own (a new source port, so IPVS schedules each anew);
one: every datagram from one socket (one source port: without one-packet scheduling IPVS keeps
sending them to the server it chose first).
"""
import socket
import sys

address, port, count, sockets = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
shared = socket.socket(socket.AF_INET, socket.SOCK_DGRAM) if sockets == "one" else None
for _ in range(count):
    sock = shared or socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(3)
    try:
        sock.sendto(b"lvs-lab", (address, port))
        data, sender = sock.recvfrom(2048)
        # A reply from another address than the one asked is not the service's.
        print(data.decode().strip() if sender[0] == address else "error")
    except OSError:
        print("error")
    if sock is not shared:
        sock.close()

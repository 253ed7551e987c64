"""Answers every UDP datagram on the given addresses and ports with this real server's name.

usage: python3 udp-responder.py NAME PORTS ADDRESS...

PORTS is a comma-separated list. Each address gets a socket of its own per port, so a reply
leaves from the address the datagram was sent to: in DR and TUN that is the VIP, which the
client expects the reply from; the server's own address is where keepalived's UDP_CHECK asks.
"""
import selectors
import socket
import sys

# Linux's IP_FREEBIND (Python names it only on some versions): binds an address that is not
# (yet) on an interface, so a start before the VIP is up does not fail.
IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: python3 udp-responder.py NAME PORTS ADDRESS...")
    name, ports, addresses = argv[0], [int(p) for p in argv[1].split(",")], argv[2:]
    reply = (name + "\n").encode()
    selector = selectors.DefaultSelector()
    for address in addresses:
        for port in ports:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
            sock.bind((address, port))
            selector.register(sock, selectors.EVENT_READ)
    print(f"lvs-lab: {name} answers UDP on {', '.join(addresses)} port(s) {argv[1]}", flush=True)
    while True:
        for key, _ in selector.select():
            try:
                _, sender = key.fileobj.recvfrom(2048)
                key.fileobj.sendto(reply, sender)
            except OSError as err:
                # A sender that went away (ICMP unreachable) must not stop the others' answers.
                print(f"lvs-lab: {err}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""A minimal IMAP4rev1 server on loopback, enough for imapclient: CAPABILITY, LOGIN, SELECT /
EXAMINE, UID SEARCH (UID ranges, ALL), UID FETCH (BODY.PEEK[], BODY[], RFC822, FLAGS, UID), NOOP,
LOGOUT. One mailbox, messages kept in memory with stable UIDs and a UIDVALIDITY.
"""
import re
import socketserver
import threading

USER = "mairie@villeneuve.example"
PASSWORD = "imap-secret"


def _tokens(line: str) -> list[str]:
    """Split an IMAP command line into atoms, "quoted strings" and (parenthesised lists)."""
    return [m.group(1) if m.group(1) is not None else m.group(0)
            for m in re.finditer(r'"((?:[^"\\]|\\.)*)"|\([^)]*\)|\S+', line)]


def _uid_set(spec: str, uids: list[int]) -> list[int]:
    highest = max(uids) if uids else 0
    chosen = set()
    for part in spec.split(","):
        if ":" in part:
            low, high = part.split(":")
            low = highest if low == "*" else int(low)
            high = highest if high == "*" else int(high)
            low, high = min(low, high), max(low, high)
            chosen.update(u for u in uids if low <= u <= high)
            if "*" in part and uids:
                chosen.add(highest)  # RFC 3501: "n:*" always includes the highest UID
        else:
            value = highest if part == "*" else int(part)
            if value in uids:
                chosen.add(value)
    return sorted(chosen)


class FakeImap:
    def __init__(self):
        self.messages: dict[int, bytes] = {}
        self.uidvalidity = 1700000001
        self.next_uid = 1
        self.commands: list[str] = []
        self.fail_logins = 0
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def send(self, line: str | bytes):
                self.wfile.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")

            def handle(self):
                self.send("* OK [CAPABILITY IMAP4rev1] Parvis test IMAP ready")
                selected = False
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    line = raw.decode().rstrip("\r\n")
                    server.commands.append(line)
                    tag, _, rest = line.partition(" ")
                    words = _tokens(rest)
                    command = words[0].upper() if words else ""
                    if command == "CAPABILITY":
                        self.send("* CAPABILITY IMAP4rev1 UIDPLUS")
                        self.send(f"{tag} OK CAPABILITY completed")
                    elif command == "LOGIN":
                        if server.fail_logins or words[1:3] != [USER, PASSWORD]:
                            server.fail_logins = max(server.fail_logins - 1, 0)
                            self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
                        else:
                            self.send(f"{tag} OK [CAPABILITY IMAP4rev1 UIDPLUS] Logged in")
                    elif command in ("SELECT", "EXAMINE"):
                        if words[1].upper() != "INBOX":
                            self.send(f"{tag} NO Mailbox does not exist")
                            continue
                        selected = True
                        self.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
                        self.send(f"* {len(server.messages)} EXISTS")
                        self.send("* 0 RECENT")
                        self.send(f"* OK [UIDVALIDITY {server.uidvalidity}] UIDs valid")
                        self.send(f"* OK [UIDNEXT {server.next_uid}] Predicted next UID")
                        mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
                        self.send(f"{tag} OK [{mode}] {command} completed")
                    elif command == "UID" and selected and len(words) > 1:
                        self.uid_command(tag, words[1].upper(), words[2:])
                    elif command == "NOOP":
                        self.send(f"{tag} OK NOOP completed")
                    elif command == "LOGOUT":
                        self.send("* BYE Logging out")
                        self.send(f"{tag} OK LOGOUT completed")
                        return
                    else:
                        self.send(f"{tag} BAD Command unknown or not allowed now")

            def uid_command(self, tag, sub, args):
                uids = sorted(server.messages)
                if sub == "SEARCH":
                    found = uids
                    if len(args) >= 2 and args[0].upper() == "UID":
                        found = _uid_set(args[1], uids)
                    self.send(("* SEARCH " + " ".join(map(str, found))).rstrip())
                    self.send(f"{tag} OK SEARCH completed")
                elif sub == "FETCH":
                    items = " ".join(args[1:]).strip("()").upper()
                    for uid in _uid_set(args[0], uids):
                        body = server.messages[uid]
                        seq = uids.index(uid) + 1
                        parts = [f"UID {uid}"]
                        if "FLAGS" in items:
                            parts.append("FLAGS ()")
                        name = "RFC822" if "RFC822" in items else "BODY[]"
                        if "BODY" in items or "RFC822" in items:
                            head = f"* {seq} FETCH ({' '.join(parts)} {name} {{{len(body)}}}\r\n".encode()
                            self.send(head + body + b")\r\n")
                        else:
                            self.send(f"* {seq} FETCH ({' '.join(parts)})")
                    self.send(f"{tag} OK FETCH completed")
                else:
                    self.send(f"{tag} BAD UID {sub} not supported")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def deliver(self, raw: bytes) -> int:
        uid = self.next_uid
        self.messages[uid] = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        self.next_uid += 1
        return uid

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

import CShim
import Libc

/// The terminal while `relayctl monitor` draws in it: the alternate screen (so the shell's
/// screen comes back as it was), no cursor, no echo, keys read one at a time without Enter,
/// and Ctrl-C arriving as a key rather than a signal, so the program quits through the same
/// path as `q`. Owned by one value: `deinit` puts everything back, on every way out that
/// returns; SIGINT/SIGTERM/SIGHUP from elsewhere arrive on `signals` (a signalfd) for the
/// caller to end the same way.
public struct TerminalScreen: ~Copyable {
    public enum Key: Equatable { case quit, other }

    private let input: Int32 = 0
    private let output: Int32 = 1
    private var saved: termios
    /// A signalfd for SIGINT, SIGTERM and SIGHUP (blocked while the screen is ours), or -1.
    public let signals: Int32

    /// Takes over the terminal, or nil when standard input or output is not one.
    public init?() {
        guard isatty(0) == 1, isatty(1) == 1 else { return nil }
        var attributes = termios()
        guard tcgetattr(0, &attributes) == 0 else { return nil }
        saved = attributes
        // Raw input (no line editing, no echo, no signals from keys); output still turns \n into \r\n.
        attributes.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        attributes.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &attributes.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        signals = pr_termination_signalfd()
        _ = tcsetattr(0, TCSANOW, &attributes)
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    deinit {
        write("\u{1B}[?25h\u{1B}[?1049l")
        var attributes = saved
        _ = tcsetattr(0, TCSANOW, &attributes)
        if signals >= 0 { close(signals) }
    }

    /// Rows and columns now (they change when the window is resized).
    public var size: (rows: Int, columns: Int) {
        var rows: UInt16 = 0, columns: UInt16 = 0
        guard pr_terminal_size(output, &rows, &columns) == 0, rows > 0, columns > 0 else { return (24, 80) }
        return (Int(rows), Int(columns))
    }

    /// Replaces the screen's contents with `text`, each line cut to the width: cursor home,
    /// every line cleared to its end, the rest of the screen cleared. No flicker of a full clear.
    public func draw(_ text: String) {
        let (rows, columns) = size
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(rows)
        var out = "\u{1B}[H"
        for (index, line) in lines.enumerated() {
            out += String(line.prefix(columns)) + "\u{1B}[K" + (index < lines.count - 1 ? "\r\n" : "")
        }
        write(out + "\u{1B}[J")
    }

    /// Waits up to `milliseconds` for a key or a signal; `.quit` for q, Q, Ctrl-C or a
    /// termination signal, nil when the time ran out.
    public func waitForKey(milliseconds: Int32) -> Key? {
        var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0), pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
        let ready = poll(&fds, nfds_t(signals >= 0 ? 2 : 1), max(0, milliseconds))
        guard ready > 0 else { return nil }
        if signals >= 0, fds[1].revents != 0 {
            _ = pr_signalfd_read(signals)
            return .quit
        }
        if fds[0].revents & Int16(POLLHUP | POLLERR) != 0 { return .quit }
        var byte: UInt8 = 0
        guard read(input, &byte, 1) == 1 else { return .other }
        switch byte {
        case UInt8(ascii: "q"), UInt8(ascii: "Q"), 0x03, 0x04: return .quit
        default: return .other
        }
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { systemWrite(output, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }
}

// The C library's write, reached from inside a type with a method of the same name.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }

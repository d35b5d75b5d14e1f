import Libc

/// The modem's serial line: opened non-blocking in raw mode at the configured rate, with the
/// modem-control lines where the device has them (a USB stick's ttyUSB and ttyACM do; a
/// pseudo-terminal does not, and then hang-up is closing the device, as HUPCL makes it).
public final class SerialPort {
    public let fd: Int32
    public let path: String
    /// Whether the device reports modem-control lines (TIOCMGET works).
    public let hasModemLines: Bool

    public static let speeds: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
        19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600), 115200: speed_t(B115200),
        230400: speed_t(B230400), 460800: speed_t(B460800), 500000: speed_t(B500000),
        921600: speed_t(B921600), 1000000: speed_t(B1000000), 2000000: speed_t(B2000000),
        3000000: speed_t(B3000000), 4000000: speed_t(B4000000),
    ]

    /// Opens and configures `path`: 8N1, raw, no flow control by software, HUPCL (closing drops
    /// DTR), CLOCAL (DCD is watched by `carrier`, not by the tty layer), DTR raised.
    public init(path: String, baud: Int) throws(ModemError) {
        guard let speed = Self.speeds[baud] else { throw .usage("--baud \(baud) is not a rate the tty layer knows") }
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .system("cannot open \(path)", errno: errno) }
        var settings = termios()
        guard tcgetattr(fd, &settings) == 0 else {
            let code = errno
            close(fd)
            throw .system("\(path) is not a terminal", errno: code)
        }
        cfmakeraw(&settings)
        settings.c_cflag |= tcflag_t(CLOCAL | CREAD | HUPCL)
        settings.c_cflag &= ~tcflag_t(CSTOPB | PARENB)
        settings.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        cfsetispeed(&settings, speed)
        cfsetospeed(&settings, speed)
        guard tcsetattr(fd, TCSANOW, &settings) == 0 else {
            let code = errno
            close(fd)
            throw .system("cannot set \(path) to raw at \(baud) baud", errno: code)
        }
        _ = tcflush(fd, TCIOFLUSH)
        var lines: Int32 = 0
        hasModemLines = ioctl(fd, UInt(TIOCMGET), &lines) == 0
        self.fd = fd
        self.path = path
        setDTR(true)
    }

    deinit {
        setDTR(false)
        close(fd)
    }

    /// Raises or drops DTR; a modem hangs up on DTR's drop. Nothing on a device without the line.
    public func setDTR(_ raised: Bool) {
        guard hasModemLines else { return }
        var bits = Int32(TIOCM_DTR)
        _ = ioctl(fd, UInt(raised ? TIOCMBIS : TIOCMBIC), &bits)
    }

    /// DCD (carrier), when the device reports it; nil when it cannot say.
    public func carrier() -> Bool? {
        guard hasModemLines else { return nil }
        var lines: Int32 = 0
        guard ioctl(fd, UInt(TIOCMGET), &lines) == 0 else { return nil }
        return lines & Int32(TIOCM_CAR) != 0
    }
}

/// Why the modem side failed, in one line.
public enum ModemError: Error, CustomStringConvertible {
    case usage(String)
    case failure(String)
    case system(String, errno: Int32)

    public var description: String {
        switch self {
        case let .usage(text), let .failure(text): text
        case let .system(text, code): "\(text): \(String(cString: strerror(code)))"
        }
    }
}

import Libc
import PPPoEWire

/// The LAN device the modem is offered on: index, MAC and MTU, as sysfs shows them (the
/// daemon's network namespace's view).
public struct LANInterface: Sendable {
    public let name: String
    public let index: Int32
    public let mac: MACAddress
    public let mtu: Int

    public init(named name: String) throws(ModemError) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw .usage("--lan needs an interface name")
        }
        let index = if_nametoindex(name)
        guard index > 0 else { throw .system("interface \(name)", errno: errno) }
        let directory = "/sys/class/net/\(name)/"
        guard let address = Self.contents(directory + "address").flatMap(MACAddress.init) else {
            throw .failure("interface \(name) has no Ethernet address")
        }
        self.name = name
        self.index = Int32(index)
        mac = address
        mtu = Self.contents(directory + "mtu").flatMap { Int($0) } ?? 1500
    }

    private static func contents(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self).filter { !$0.isWhitespace }
    }
}


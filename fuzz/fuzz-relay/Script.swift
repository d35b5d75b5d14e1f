import FuzzSupport
import PPPoEWire
import UserspaceRelay

/// How the relay under test is set up: the first four bytes of the input.
struct Configuration {
    var maxSessions: Int
    var idleTimeout: Int64
    var mss: MSSSetting
    var wanMTU: UInt32
    var policy: DiscoveryPolicy
}

/// One thing that happens to the relay. Frames come as raw bytes (anything at all), with their
/// addresses picked from the lab's hosts, or as a well-behaved peer's answer to a frame the relay
/// sent earlier: random bytes alone would rarely get past discovery.
enum Operation {
    case discovery(slot: UInt8, frame: [UInt8])
    case addressedDiscovery(slot: UInt8, destination: MACAddress?, source: MACAddress?, frame: [UInt8])
    /// The peer's answer to the `age`-th latest frame the relay sent, with `extra` tag bytes after
    /// its tags; a forger's, when `forgedClient` replaces the MAC at the end of its Relay-Session-Id.
    case reply(age: Int, source: MACAddress?, sessionID: UInt16, forgedClient: MACAddress?, extra: [UInt8])
    case session(slot: UInt8, frame: [UInt8])
    /// A session frame of the `index`-th live session, well addressed, from either side.
    case sessionOf(index: Int, fromClient: Bool, declaredLength: UInt16?, payload: [UInt8])
    case tick
    case terminateAll
}

struct Step {
    /// Seconds the clock moves before the operation.
    var advance: Int64
    var operation: Operation
}

/// The fuzz input decoded, a byte at a time, into a configuration and a list of steps. Every
/// input decodes; a short input simply ends the script.
struct Script {
    /// The largest frame an interface with a 1500-byte MTU (and a few more) hands the relay.
    static let maxFrame = 1522

    private var reader: ByteReader

    init(_ reader: ByteReader) { self.reader = reader }

    mutating func configuration() -> Configuration {
        let maxSessions = 1 + Int(reader.byte(default: 3) % 6)
        let idleTimeout: Int64 = [0, 1, 10, 60][Int(reader.byte() % 4)]
        let mss: MSSSetting = [.auto, .off, .fixed(536), .fixed(1400)][Int(reader.byte() % 4)]
        // The MTU's byte has bits to spare: they pick the discovery policy, so that inputs written
        // before the policy existed still decode to the same steps.
        let mtuByte = reader.byte()
        let knobs = mtuByte >> 2
        let policy = DiscoveryPolicy(maxSessionsPerClient: knobs & 2 != 0 ? 1 : 0,
                                     padiPerClientPerMinute: knobs & 1 != 0 ? 0 : 2,
                                     padiPerSecond: knobs & 1 != 0 ? 0 : 2000,
                                     offersPerClient: knobs & 4 != 0 ? 1 : 4)
        return Configuration(maxSessions: maxSessions, idleTimeout: idleTimeout, mss: mss,
                             wanMTU: [1500, 1492, 1508, 100][Int(mtuByte % 4)], policy: policy)
    }

    mutating func next() -> Step? {
        guard !reader.isAtEnd else { return nil }
        let kind = reader.byte() % 8
        let advance = Int64(reader.byte())
        let operation: Operation
        switch kind {
        case 0:
            operation = .discovery(slot: slot(), frame: frame())
        case 1:
            let slot = slot(), destination = Hosts.pick(reader.byte()), source = Hosts.pick(reader.byte())
            operation = .addressedDiscovery(slot: slot, destination: destination, source: source, frame: frame())
        case 2:
            let age = Int(reader.byte()), source = Hosts.pick(reader.byte()), sessionID = reader.uint16()
            let forge = reader.byte()
            operation = .reply(age: age, source: source, sessionID: sessionID,
                               forgedClient: forge & 0x80 != 0 ? Hosts.pick(forge & 0x0F) : nil,
                               extra: reader.bytes(upTo: Int(reader.byte())))
        case 3:
            operation = .session(slot: slot(), frame: frame())
        case 4:
            let index = Int(reader.byte()), flags = reader.byte()
            let declared = flags & 2 != 0 ? reader.uint16() : nil
            operation = .sessionOf(index: index, fromClient: flags & 1 != 0, declaredLength: declared,
                                   payload: reader.bytes(upTo: min(Int(reader.uint16()), Self.maxFrame - 20)))
        case 6:
            operation = .terminateAll
        default:
            operation = .tick
        }
        return Step(advance: advance, operation: operation)
    }

    private mutating func slot() -> UInt8 { reader.byte() % 3 }

    private mutating func frame() -> [UInt8] { reader.bytes(upTo: min(Int(reader.uint16()), Self.maxFrame)) }
}

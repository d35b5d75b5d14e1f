import FuzzSupport
import PPPoEWire
import UserspaceRelay

/// libFuzzer's entry point: every input is a session journal read by a starting relay. The first
/// byte chooses how (see `Choices`); with `seal`, the rest is the journal without its end line,
/// which is added with the right count and checksum, so that mutations reach the values behind
/// the checksum instead of stopping at it. Whatever the journal says, reading and adopting it
/// must not trap, and the relay must adopt only sessions whose every value is within bounds,
/// end none it carries, and write back a journal that reads again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJournal(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let choices = Choices(input.first ?? 0)
    var bytes = Array(input.dropFirst())
    if choices.seal { bytes = sealed(bytes) }
    let journal: SessionJournal
    do throws(SessionJournal.ReadError) { journal = try SessionJournal.decode(bytes) } catch { return 0 }
    expect(SessionJournal.isTime(journal.writtenAt), "a journal written at \(journal.writtenAt) was read")
    checkAdoption(journal, choices)
    return 0
}

/// The first byte: bit 0 seals the journal, bit 1 says a kernel table still forwards, bit 2
/// that the relay was away too long, bits 3-4 the table's size, bits 5-6 the wall clock.
struct Choices {
    let seal: Bool
    let kernelForwarded: Bool
    let outlived: Bool
    let maxSessions: Int
    let nowWall: Int64

    init(_ byte: UInt8) {
        seal = byte & 1 != 0
        kernelForwarded = byte & 2 != 0
        outlived = byte & 4 != 0
        maxSessions = [1, 2, 4, 16][Int(byte >> 3) & 3]
        nowWall = [1_800_000_000, 0, SessionJournal.latestTime, 100][Int(byte >> 5) & 3]
    }
}

/// The body with the end line a writer would give it: the number of session lines and the
/// FNV-1a checksum of everything before (computed here afresh, not by the code under test).
func sealed(_ body: [UInt8]) -> [UInt8] {
    var body = body
    if let last = body.last, last != UInt8(ascii: "\n") { body.append(UInt8(ascii: "\n")) }
    let sessions = body.split(separator: UInt8(ascii: "\n")).filter { $0.starts(with: Array("session".utf8)) }.count
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in body {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
    }
    return body + Array("end \(sessions) \(String(hash, radix: 16))\n".utf8)
}

let wanMAC = MACAddress(value: 0x0200_0000_000A)
let lanMACs = [MACAddress(value: 0x0200_0000_0001), MACAddress(value: 0x0200_0000_0002)]

func checkAdoption(_ journal: SessionJournal, _ choices: Choices) {
    let macs = [wanMAC] + lanMACs
    let interfaces = macs.indices.map { slot in
        RelayInterface(name: slot == 0 ? "wan" : "lan\(slot)", index: Int32(10 + slot), mac: macs[slot], mtu: 1500,
                       role: slot == 0 ? .wan : .lan)
    }
    var core = RelayCore(interfaces: interfaces, maxSessions: choices.maxSessions, idleTimeout: 600,
                         instance: 0x5EED_F00D, mss: .auto, policy: .standard)
    let nowMonotonic: Int64 = 5_000
    let adoption = core.adopt(journal, nowWall: choices.nowWall, nowMonotonic: nowMonotonic,
                              kernelForwarded: choices.kernelForwarded, outlived: choices.outlived)
    expect(adoption.adopted.count == core.table.count,
           "\(adoption.adopted.count) sessions said adopted, \(core.table.count) in the table")
    expect(adoption.adopted.count + adoption.ended + adoption.duplicates == journal.entries.count,
           "\(journal.entries.count) sessions read, \(adoption.adopted.count) adopted + \(adoption.ended) ended + \(adoption.duplicates) duplicates")
    expect(adoption.invalid == journal.entries.filter { $0.problem != nil }.count, "invalid sessions miscounted")
    expect(adoption.problems.count == min(adoption.invalid, JournalAdoption.problemsKept), "problems miscounted")
    expect(!choices.outlived || adoption.adopted.isEmpty, "sessions adopted from a journal that outlived them")
    expect(journal.wanInterface == "wan" || adoption.adopted.isEmpty, "sessions adopted from another WAN")

    // Every adopted session: every value in bounds, and what reports add up does not overflow.
    let live = core.table.liveSlots.map { core.table.session(at: $0).pointee }
    for session in live {
        expect(SessionJournal.isPeer(session.clientMAC) && SessionJournal.isPeer(session.acMAC),
               "adopted a session with client \(session.clientMAC), ac \(session.acMAC)")
        expect(SessionJournal.isSessionID(session.clientSessionID) && SessionJournal.isSessionID(session.acSessionID),
               "adopted a session with ids \(session.clientSessionID), \(session.acSessionID)")
        expect(session.lanSlot >= 1 && Int(session.lanSlot) < interfaces.count, "adopted a session on slot \(session.lanSlot)")
        for (a, b) in [(session.packetsToAC, session.offloadedToAC.packets), (session.bytesToAC, session.offloadedToAC.bytes),
                       (session.packetsToClient, session.offloadedToClient.packets),
                       (session.bytesToClient, session.offloadedToClient.bytes)] {
            expect(!a.addingReportingOverflow(b).overflow, "adopted counters \(a) + \(b) overflow")
        }
        expect(session.createdAt <= nowMonotonic && session.lastActivity <= nowMonotonic,
               "adopted a session started at \(session.createdAt), active at \(session.lastActivity), now \(nowMonotonic)")
    }

    // No PADT reaches a side of a session the relay carries, and each goes to a station from
    // the relay's own address on that side.
    for frame in adoption.padts {
        let parsed = Result { () throws(WireError) in try DiscoveryPacket(parsing: frame.bytes) }
        guard case let .success(packet) = parsed else {
            expect(false, "a PADT that does not parse: \(parsed)")
            continue
        }
        expect(packet.code == .padt, "\(packet.code) sent at adoption")
        expect(Int(frame.slot) < macs.count && packet.source == macs[Int(frame.slot)], "a PADT on slot \(frame.slot) from \(packet.source)")
        expect(SessionJournal.isPeer(packet.destination), "a PADT to \(packet.destination)")
        expect(SessionJournal.isSessionID(packet.sessionID), "a PADT for session id \(packet.sessionID)")
        let endsLive = live.contains { session in
            frame.slot == 0 ? session.acMAC == packet.destination && session.acSessionID == packet.sessionID
                : session.lanSlot == frame.slot && session.clientMAC == packet.destination
                    && session.clientSessionID == packet.sessionID
        }
        expect(!endsLive, "a PADT on slot \(frame.slot) to \(packet.destination) id \(packet.sessionID) ends an adopted session")
    }

    // What the relay writes next reads back, every session in bounds.
    let written = core.journal(nowWall: choices.nowWall, nowMonotonic: nowMonotonic)
    let read = Result { () throws(SessionJournal.ReadError) in try SessionJournal.decode(written.encoded()) }
    guard case let .success(again) = read else {
        expect(false, "the relay's own journal does not read back: \(read)")
        return
    }
    expect(again.entries.count == live.count, "\(live.count) sessions written, \(again.entries.count) read back")
    for entry in again.entries { expect(entry.problem == nil, "the relay wrote a session out of bounds: \(entry.problem ?? "")") }
}

#if !FUZZING
@main
enum ReplayJournal {
    static func main() {
        replay(arguments: Array(CommandLine.arguments.dropFirst()), name: "fuzz-journal") { bytes in
            _ = bytes.withUnsafeBufferPointer { fuzzJournal($0.baseAddress, $0.count) }
        }
    }
}
#endif

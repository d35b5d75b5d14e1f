import PPPoEWire

/// How much a scan keeps of what the WAN sends it. Any host on the WAN can answer a PADI, as
/// often and with as many tags as it likes; past these limits answers are counted, not kept.
public enum ScanLimits {
    public static let accessConcentrators = 32
    public static let serviceNamesPerAC = 32
    public static let errorsPerAC = 8
    /// Characters kept of an AC-Name, a Service-Name or an error text.
    public static let textLength = 128
    /// Distinct unlisted ACs remembered to count them; past this, "or more".
    public static let unlistedCounted = 256
}

/// The PADOs a scan has collected, folded per AC (by source MAC). Pure: the scanner feeds it
/// parsed packets and their arrival times; tests feed it made-up ones.
public struct ScanTally: Sendable {
    public let probe: ScanProbe
    private var order: [MACAddress] = []
    private var entries: [MACAddress: Entry] = [:]
    public private(set) var unlisted: Set<MACAddress> = []
    public private(set) var otherFrames = 0

    fileprivate struct Entry: Sendable {
        var acName: String?
        var serviceNames: [String] = []
        var answered: Set<Int> = []
        var cookie = false
        var echoesRelaySessionID = true
        var pppMaxPayload: Int?
        var errors: [ScanReport.ErrorTag] = []
        var firstAnswerNanoseconds: Int64
        var offers = 0
    }

    public init(probe: ScanProbe) { self.probe = probe }

    /// How many different ACs are listed so far.
    public var count: Int { order.count }

    /// A discovery frame that arrived `elapsedNanoseconds` after the first PADI went out.
    public mutating func add(_ packet: DiscoveryPacket, elapsedNanoseconds: Int64) {
        guard let question = probe.question(answeredBy: packet) else {
            otherFrames += 1
            return
        }
        let mac = packet.source
        if entries[mac] == nil {
            guard order.count < ScanLimits.accessConcentrators else {
                if unlisted.count < ScanLimits.unlistedCounted { unlisted.insert(mac) }
                return
            }
            order.append(mac)
            entries[mac] = Entry(firstAnswerNanoseconds: elapsedNanoseconds)
        }
        entries[mac]!.fold(packet, question: question, probe: probe)
    }

    /// A frame that was not a well-formed discovery packet.
    public mutating func addMalformed() { otherFrames += 1 }

    public func report(interface: String, timeoutSeconds: Double) -> ScanReport {
        let requested: String? = probe.questions.compactMap {
            if case let .service(name) = $0 { name } else { nil }
        }.first
        let listed = order.map { mac -> ScanReport.AccessConcentrator in
            let entry = entries[mac]!
            return ScanReport.AccessConcentrator(
                mac: mac.description, acName: entry.acName, serviceNames: entry.serviceNames,
                offersRequestedService: requested == nil ? nil : entry.answered.contains(0),
                answersAnyService: entry.answered.contains(probe.questions.count - 1), cookie: entry.cookie,
                echoesRelaySessionID: entry.echoesRelaySessionID, pppMaxPayload: entry.pppMaxPayload,
                errors: entry.errors,
                responseMilliseconds: (Double(entry.firstAnswerNanoseconds / 10_000) / 100),
                offers: entry.offers)
        }
        return ScanReport(interface: interface, interfaceMAC: probe.source.description, serviceName: requested,
                          timeoutSeconds: timeoutSeconds, accessConcentrators: listed,
                          unlistedAccessConcentrators: unlisted.count, otherFrames: otherFrames)
    }

    /// Wire bytes as text, cut to `ScanLimits.textLength` characters.
    static func text(_ bytes: [UInt8]) -> String {
        let text = TerminalText.decoding(bytes.prefix(ScanLimits.textLength * 4))
        return text.count > ScanLimits.textLength ? String(text.prefix(ScanLimits.textLength)) + "…" : text
    }
}

extension ScanTally.Entry {
    mutating func fold(_ packet: DiscoveryPacket, question: Int, probe: ScanProbe) {
        offers += 1
        answered.insert(question)
        var sawOurRelayTag = false
        for tag in packet.tags {
            switch tag.type {
            case .acName:
                if acName == nil { acName = ScanTally.text(tag.value) }
            case .serviceName:
                let name = ScanTally.text(tag.value)
                if serviceNames.count < ScanLimits.serviceNamesPerAC, !serviceNames.contains(name) {
                    serviceNames.append(name)
                }
            case .acCookie:
                cookie = true
            case .relaySessionID:
                if tag.value == probe.relaySessionID { sawOurRelayTag = true }
            case .pppMaxPayload:
                if let value = tag.maxPayload { pppMaxPayload = Int(value) }
            case .serviceNameError, .acSystemError, .genericError:
                let error = ScanReport.ErrorTag(tag: tag.type.description, text: ScanTally.text(tag.value))
                if errors.count < ScanLimits.errorsPerAC, !errors.contains(error) { errors.append(error) }
            default:
                break
            }
        }
        if !sawOurRelayTag { echoesRelaySessionID = false }
    }
}

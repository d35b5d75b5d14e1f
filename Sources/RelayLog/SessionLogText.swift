import PlainText
import PPPoEWire
import UserspaceRelay

/// One line per session opened, closed or refused, with what an operator needs to match it
/// to a customer and an AC: both MACs, devices and session ids, AC-Name and Service-Name;
/// a closed session adds why, how long and how much.
public enum SessionLogText {
    /// `interfaces`: device names by slot (0 the WAN).
    public static func line(_ record: SessionRecord, interfaces: [String]) -> String {
        let session = record.session
        let lan = name(interfaces, Int(session.lanSlot)), wan = name(interfaces, 0)
        let client = "client \(session.clientMAC) on \(lan)"
            + (session.clientSessionID == 0 ? "" : " session \(session.clientSessionID)")
        let ends = "\(client), AC \(session.acMAC) on \(wan) session \(session.acSessionID), "
            + "AC-Name \(quoted(record.labels.acName)), Service-Name \(quoted(record.labels.serviceName))"
        switch record.kind {
        case .opened:
            return "session opened: " + ends
        case let .refused(why):
            return "session refused (\(why.rawValue)): " + ends
        case let .closed(why):
            let toAC = record.toAC, toClient = record.toClient
            return "session closed (\(why.rawValue)): " + ends + ", duration \(record.duration) s, "
                + "\(toAC.bytes) bytes in \(toAC.packets) packets to AC, "
                + "\(toClient.bytes) bytes in \(toClient.packets) packets to client"
        }
    }

    /// A device name (from the configuration or the kernel) made safe for a log line.
    public static func name(_ interfaces: [String], _ slot: Int) -> String {
        slot < interfaces.count ? TerminalText.escaped(interfaces[slot]) : "slot \(slot)"
    }

    /// A name from the wire in quotes: controls escaped, and a quote inside shown as `\"`, so
    /// that it cannot seem to end the field.
    public static func quoted(_ text: String) -> String {
        "\"" + TerminalText.escaped(text).replacing(every: "\"", with: "\\\"") + "\""
    }
}

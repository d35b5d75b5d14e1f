import PPPoEWire

/// `relayctl scan` for people: one block per AC. Every string the WAN chose goes through
/// `TerminalText.escaped`, inside quotes, so an AC-Name cannot move the cursor or forge a line.
public enum ScanText {
    public static func render(_ report: ScanReport) -> String {
        var lines: [String] = []
        let asked = report.serviceName.map { "Service-Name \(quoted($0)) and an empty one" } ?? "an empty Service-Name"
        let answered = report.accessConcentrators.count + report.unlistedAccessConcentrators
        lines.append("Scanned \(report.interface) (\(report.interfaceMAC)) for \(seconds(report.timeoutSeconds)) s "
            + "with PADIs for \(asked): \(answered == 0 ? "no" : String(answered)) access "
            + "concentrator\(answered == 1 ? "" : "s") answered.")
        for ac in report.accessConcentrators {
            lines.append("")
            lines.append("AC \(ac.mac)  AC-Name \(ac.acName.map(quoted) ?? "(none)")")
            lines.append(field("services", ac.serviceNames.isEmpty ? "(none listed)"
                : ac.serviceNames.map { $0.isEmpty ? "(any)" : quoted($0) }.joined(separator: ", ")))
            if let service = report.serviceName, let offers = ac.offersRequestedService {
                lines.append(field("requested", offers ? "answered the PADI for \(quoted(service))"
                    : "no answer to the PADI for \(quoted(service))"))
            }
            lines.append(field("any service", ac.answersAnyService ? "answered the PADI with an empty Service-Name"
                : "no answer to the PADI with an empty Service-Name"))
            lines.append(field("AC-Cookie", ac.cookie ? "yes" : "no"))
            lines.append(field("Relay-Session-Id", ac.echoesRelaySessionID ? "echoed"
                : "not echoed (the relay matches its answers by Host-Uniq instead)"))
            lines.append(field("PPP-Max-Payload", ac.pppMaxPayload.map { "\($0) (asked \(ScanProbe.requestedMaxPayload))" }
                ?? "not granted (PPP MTU 1492 on a 1500-byte Ethernet)"))
            for error in ac.errors {
                lines.append(field(error.tag, error.text.isEmpty ? "(empty)" : quoted(error.text)))
            }
            lines.append(field("response", "\(milliseconds(ac.responseMilliseconds)) ms, \(ac.offers) PADO\(ac.offers == 1 ? "" : "s")"))
        }
        if report.unlistedAccessConcentrators > 0 {
            lines.append("")
            let more = report.unlistedAccessConcentrators >= ScanLimits.unlistedCounted ? " or more" : ""
            lines.append("Not listed: another \(report.unlistedAccessConcentrators)\(more) access concentrators that answered "
                + "(a scan lists at most \(ScanLimits.accessConcentrators)).")
        }
        return lines.joined(separator: "\n")
    }

    static func quoted(_ text: String) -> String { "\"" + TerminalText.escaped(text) + "\"" }

    private static func field(_ name: String, _ value: String) -> String {
        "  " + name + ":" + String(repeating: " ", count: max(1, 18 - name.count)) + value
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    static func milliseconds(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

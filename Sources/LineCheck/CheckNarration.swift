import PPPControl
import PPPoEWire

/// What the check says about each thing that happened: the step, its line for people and the
/// facts behind it. Pure, so that every wording is tested without a line to dial.
public enum CheckNarration {
    /// The step a dial-up event reports; nil for those that report nothing.
    public static func step(for event: DialEvent) -> CheckStepReport? {
        switch event {
        case let .linkOpened(mru, authentication, nakkedMRU):
            let asked = nakkedMRU.map { " (it asked for \($0) first, which the link cannot carry: Nakked)" } ?? ""
            return make(.linkUp, "LCP up: the AC's MRU \(mru.map(String.init) ?? "1500 (default)")\(asked), authentication "
                + (authentication?.description ?? "none")) { step in
                step.mru = mru.map(Int.init)
                step.authentication = authentication?.description
            }
        case let .authenticated(algorithm, message):
            let text = TerminalText.decoding(message)
            return make(.authenticated, "account accepted (\(algorithm))" + (text.isEmpty ? "" : ": \(text)")) { step in
                step.authentication = algorithm.description
                step.message = text
            }
        case let .authenticationFailed(algorithm, message):
            let parsed = AuthenticationFailureText(message)
            let text = TerminalText.decoding(message)
            return make(.authenticationFailed, "account refused (\(algorithm)): \(text.isEmpty ? "no message" : text)") { step in
                step.authentication = algorithm.description
                step.message = TerminalText.decoding(parsed.message)
                step.errorCode = parsed.errorCode
            }
        case let .ipv4Configured(address, peer, dns):
            let servers = dns.map(AddressText.ipv4)
            return make(.ipv4Configured, "IPv4 address \(AddressText.ipv4(address))" + (peer.map { ", AC \(AddressText.ipv4($0))" } ?? "")
                + (servers.isEmpty ? ", no DNS servers" : ", DNS " + servers.joined(separator: " "))) { step in
                step.address = AddressText.ipv4(address)
                step.peerAddress = peer.map(AddressText.ipv4)
                step.dns = servers
            }
        case let .ipv6Configured(local, peer):
            return make(.ipv6Configured, "IPv6 link-local \(AddressText.linkLocal(local))"
                + (peer.map { ", AC \(AddressText.linkLocal($0))" } ?? "")) { step in
                step.interfaceIdentifier = AddressText.hex(local)
                step.peerInterfaceIdentifier = peer.map(AddressText.hex)
            }
        case .ipv6NotOffered:
            return make(.ipv6NotOffered, "the AC did not offer IPv6CP")
        case let .authenticationNotAllowed(method, allowed):
            let names = allowed.map { $0.allowName }.joined(separator: ",")
            return make(.authenticationNotAllowed, "the AC asks for \(method), which --allow \(names.isEmpty ? "(empty)" : names) "
                + "leaves out: refused, the password was not sent") { step in
                step.authentication = method.description
            }
        case let .failed(phase, reason):
            switch phase {
            case .link: return make(.linkFailed, reason)
            case .authentication: return make(.authenticationFailed, reason)
            case .network: return make(.networkFailed, reason)
            case .terminating: return nil
            }
        case let .peerTerminated(phase, message):
            let text = TerminalText.decoding(message)
            return make(.acTerminated, "the AC ended the link during \(phase.rawValue)" + (text.isEmpty ? "" : ": \(text)")) {
                $0.message = text
            }
        case .hungUp:
            return make(.hungUp, "link terminated")
        }
    }


    /// A PADS that opened no session (`DiscoveryExchange.Answer.unusable`).
    public static func unusableSession(_ step: CheckStep, pads: DiscoveryPacket, service: String) -> CheckStepReport {
        let text = step == .reservedSessionID
            ? "the AC's PADS gave session id 65535 (0xFFFF), which RFC 2516 reserves: no session opened"
            : "the AC refused the session: PADS with session id 0 and no error tag, so no reason given"
        return make(step, text) { report in
            report.acMAC = pads.source.description
            report.acName = pads.tag(.acName)?.text
            report.service = service
            report.sessionID = Int(pads.sessionID)
        }
    }

    private static func make(_ step: CheckStep, _ text: String,
                             _ fill: (inout CheckStepReport) -> Void = { _ in }) -> CheckStepReport {
        var report = CheckStepReport(step, text)
        fill(&report)
        return report
    }
}

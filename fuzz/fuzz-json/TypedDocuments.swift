import ControlProtocol
import FuzzSupport
import JSON

/// The documents relayctl reads (a saved configuration, a daemon's replies): a document one of
/// them accepts, written as relayctl writes it and read again, is the same value. A type whose
/// reading and writing disagree on a key or a default fails here.
func checkTypedDocuments(_ value: JSONValue) {
    check(value, as: RelayConfiguration.self)
    check(value, as: StatusReport.self)
    check(value, as: SessionsReport.self)
    check(value, as: MSSReport.self)
    check(value, as: ControlErrorReply.self)
    check(value, as: NotRunningReport.self)
}

private func check<T: JSONObjectEncodable & JSONObjectDecodable & Equatable>(_ value: JSONValue, as type: T.Type) {
    guard let decoded = try? T(json: value, path: "") else { return }
    let written = ControlJSON.encode(decoded)
    guard let again = try? JSON.decode(T.self, from: written) else {
        expect(false, "\(T.self) refuses what it wrote: \(String(decoding: written, as: UTF8.self))")
        return
    }
    expect(again == decoded, "\(T.self) changed on its way through JSON")
}

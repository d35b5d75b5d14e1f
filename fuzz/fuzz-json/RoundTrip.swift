import FuzzSupport
import JSON

/// Written in every format relayctl uses and read again, an accepted document is the same
/// value (members in key order where the format sorts them).
func checkRoundTrip(_ value: JSONValue) {
    let formats = [JSONFormat(), JSONFormat.document, JSONFormat.line,
                   JSONFormat(sortedKeys: false, prettyPrinted: true, escapesSlashes: false)]
    for format in formats {
        let bytes = JSONWriter.write(value, format: format)
        guard let back = try? JSONReader.read(bytes, limits: JSONLimits(maxBytes: .max, maxDepth: 32)) else {
            expect(false, "the reader refuses what the writer wrote: \(String(decoding: bytes, as: UTF8.self))")
            return
        }
        expect(format.sortedKeys ? sortedMembers(back) == sortedMembers(value) : back == value,
               "a document changed on its way through the writer (\(format))")
    }
}

private func sortedMembers(_ value: JSONValue) -> JSONValue {
    switch value {
    case let .array(elements): .array(elements.map(sortedMembers))
    case let .object(members):
        .object(members.map { JSONMember($0.key, sortedMembers($0.value)) }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
    default: value
    }
}

/// Every number converts to each integer width exactly or is refused as out of range; one
/// that converts writes back as a number that converts to the same value.
func checkNumbers(_ value: JSONValue) {
    switch value {
    case .number:
        check(value, as: Int8.self)
        check(value, as: UInt16.self)
        check(value, as: Int32.self)
        check(value, as: Int64.self)
        check(value, as: UInt64.self)
        check(value, as: Int.self)
    case let .array(elements): elements.forEach(checkNumbers)
    case let .object(members): members.forEach { checkNumbers($0.value) }
    default: break
    }
}

private func check<T: JSONInteger>(_ value: JSONValue, as type: T.Type) {
    do {
        let number = try T(json: value, path: "")
        let again = try T(json: number.jsonValue(), path: "")
        expect(again == number, "\(number) changed on its way back")
    } catch {
        expect(error.kind == .outOfRange, "a number was refused for another reason: \(error)")
    }
}

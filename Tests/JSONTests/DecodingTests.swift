import JSON
import XCTest

/// Reading values into Swift types: ranges checked per field, absent and null optionals,
/// and refusals that name the key.
final class DecodingTests: XCTestCase {
    struct Inner: JSONObjectEncodable, JSONObjectDecodable, Equatable {
        var port: UInt16
        var names: [String]

        init(port: UInt16, names: [String]) {
            self.port = port
            self.names = names
        }

        init(from object: JSONObjectReader) throws(JSONError) {
            port = try object.read("port")
            names = try object.readIfPresent("names") ?? []
        }

        func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            try object.write("port", port)
            try object.write("names", names)
        }
    }

    struct Outer: JSONObjectEncodable, JSONObjectDecodable, Equatable {
        var name: String
        var inner: Inner
        var list: [Inner]
        var note: String?
        var count: Int8?

        init(from object: JSONObjectReader) throws(JSONError) {
            name = try object.read("name")
            inner = try object.read("inner")
            list = try object.read("list")
            note = try object.readIfPresent("note")
            count = try object.readIfPresent("count")
        }

        func encode(to object: inout JSONObjectWriter) throws(JSONError) {
            try object.write("name", name)
            try object.write("inner", inner)
            try object.write("list", list)
            try object.writeIfPresent("note", note)
            try object.write("count", count)
        }
    }

    private func decode<T: JSONDecodable>(_ text: String, as type: T.Type = T.self) throws(JSONError) -> T {
        try JSON.decode(T.self, from: Array(text.utf8))
    }

    private func error<T: JSONDecodable>(_ text: String, as type: T.Type) -> JSONError? {
        do {
            _ = try decode(text, as: type)
            return nil
        } catch { return error }
    }

    func testIntegersAreCheckedAgainstTheirField() throws {
        XCTAssertEqual(try decode("255", as: UInt8.self), 255)
        XCTAssertEqual(try decode("-128", as: Int8.self), -128)
        XCTAssertEqual(try decode("18446744073709551615", as: UInt64.self), .max)
        XCTAssertEqual(try decode("-9223372036854775808", as: Int64.self), .min)
        XCTAssertEqual(try decode("-0", as: UInt32.self), 0)
        XCTAssertEqual(try decode("1.0", as: Int.self), 1, "a whole number with a fraction, as Foundation reads it")
        XCTAssertEqual(try decode("1e3", as: Int.self), 1000)
        XCTAssertEqual(try decode("1500e-2", as: Int.self), 15)
        XCTAssertEqual(try decode("0e999999999999", as: Int.self), 0)
        XCTAssertEqual(try decode("0.000", as: Int.self), 0)
        for (text, reason) in [("256", "256 is not a 8-bit unsigned integer"), ("-1", "-1 is not a 64-bit unsigned integer"),
                               ("18446744073709551616", "is not a 64-bit unsigned integer"), ("1.5", "1.5 is not"),
                               ("1e20", "1e20 is not"), ("1e999999999999", "is not"), ("1e-1", "is not")] {
            let refusal = text == "256" ? error(text, as: UInt8.self) : text == "-1" || text.hasPrefix("18") ? error(text, as: UInt64.self)
                : error(text, as: Int.self)
            XCTAssertEqual(refusal?.kind, .outOfRange, text)
            XCTAssertTrue(refusal?.description.contains(reason) ?? false, "\(text): \(String(describing: refusal))")
        }
        XCTAssertEqual(error("\"1\"", as: Int.self)?.description, "expected an integer, found a string")
    }

    func testStructsReadWithPathsInTheirRefusals() throws {
        let text = #"{"name": "x", "inner": {"port": 80}, "list": [{"port": 1, "names": ["a"]}], "extra": [1, {"new": true}]}"#
        let outer = try decode(text, as: Outer.self)
        XCTAssertEqual(outer.inner, Inner(port: 80, names: []))
        XCTAssertEqual(outer.list, [Inner(port: 1, names: ["a"])])
        XCTAssertNil(outer.note, "absent optional")
        XCTAssertNil(try decode(#"{"name": "x", "inner": {"port": 80}, "list": [], "note": null}"#, as: Outer.self).note,
                     "null optional")

        XCTAssertEqual(error(#"{"inner": {"port": 80}, "list": []}"#, as: Outer.self)?.description, #"missing "name""#)
        XCTAssertEqual(error(#"{"name": "x", "inner": {}, "list": []}"#, as: Outer.self)?.description, #"missing "inner.port""#)
        XCTAssertEqual(error(#"{"name": "x", "inner": {"port": 80}, "list": [{"port": 1}, {"port": 70000}]}"#, as: Outer.self)?
            .description, "list[1].port: 70000 is not a 16-bit unsigned integer")
        XCTAssertEqual(error(#"{"name": null, "inner": {"port": 80}, "list": []}"#, as: Outer.self)?.description,
                       "name: expected a string, found null")
        XCTAssertEqual(error(#"{"name": "x", "inner": [], "list": []}"#, as: Outer.self)?.description,
                       "inner: expected an object, found an array")
        XCTAssertEqual(error(#"{"name": "x", "inner": {"port": 1}, "list": [], "count": 300}"#, as: Outer.self)?.description,
                       "count: 300 is not a 8-bit signed integer")
        XCTAssertEqual(error(#"{"name": "x", "inner": {"port": 1, "names": [1]}, "list": []}"#, as: Outer.self)?.description,
                       "inner.names[0]: expected a string, found a number")
    }

    func testWritingOmitsAbsentOptionalsOnlyWhereAsked() throws {
        var outer = try decode(#"{"name": "a/b", "inner": {"port": 80}, "list": []}"#, as: Outer.self)
        XCTAssertEqual(String(decoding: try JSON.encode(outer, format: .line), as: UTF8.self),
                       #"{"count":null,"inner":{"names":[],"port":80},"list":[],"name":"a\/b"}"#)
        outer.note = "n"
        outer.count = -3
        let bytes = try JSON.encode(outer)
        XCTAssertEqual(try JSON.decode(Outer.self, from: bytes), outer)
    }

    func testDictionariesAndArrays() throws {
        XCTAssertEqual(try decode(#"{"a": 1, "b": 18446744073709551615}"#, as: [String: UInt64].self), ["a": 1, "b": .max])
        XCTAssertEqual(error(#"{"a": -1}"#, as: [String: UInt64].self)?.path, "a")
        XCTAssertEqual(error(#"{"x.y\u001b[2J": -1}"#, as: [String: UInt64].self)?.description,
                       #""x.y\u001b[2J": -1 is not a 64-bit unsigned integer"#, "a key from the document cannot forge the path")
        XCTAssertEqual(try decode("[null, 1]", as: [Int?].self), [nil, 1])
        XCTAssertEqual(try decode("[0.1, -0, 1e300]", as: [Double].self), [0.1, -0.0, 1e300])
        XCTAssertEqual(error("[1e400]", as: [Double].self)?.kind, .outOfRange)
    }
}

/// C enum constants arrive in Swift either as named enum structs or as plain Ints, depending on
/// how each header declares them; these turn either into the integer width a C call wants.
@inline(__always) func c16<T: BinaryInteger>(_ value: T) -> UInt16 { UInt16(truncatingIfNeeded: value) }
@inline(__always) func c16<T: RawRepresentable>(_ value: T) -> UInt16 where T.RawValue: BinaryInteger {
    UInt16(truncatingIfNeeded: value.rawValue)
}
@inline(__always) func c32<T: BinaryInteger>(_ value: T) -> UInt32 { UInt32(truncatingIfNeeded: value) }
@inline(__always) func c32<T: RawRepresentable>(_ value: T) -> UInt32 where T.RawValue: BinaryInteger {
    UInt32(truncatingIfNeeded: value.rawValue)
}

import NIOCore
import PostgresNIO
import PrecursorCore

/// A civil date binds as a PostgreSQL `date` (binary: days since 2000-01-01), not as text: a `$1::date` cast of a text
/// parameter is only stable (it depends on DateStyle), so an expression of the as-of date in a filter was evaluated
/// for each row a scan read; of a `date` parameter it is folded to a constant when the statement is planned.
extension CivilDate: PostgresNonThrowingEncodable {
    public static var psqlType: PostgresDataType { .date }
    public static var psqlFormat: PostgresFormat { .binary }

    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's date epoch.
    static let postgresEpochOffset = 10_957

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeInteger(Int32(daysSinceEpoch - Self.postgresEpochOffset))
    }
}

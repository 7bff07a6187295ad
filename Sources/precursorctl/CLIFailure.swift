import ArgumentParser
import Foundation
import PrecursorCore
import PrecursorStore

/// The one place where errors become messages and exit codes (see `precursorctl --help`).
enum CLIFailure {
    /// The command ran and found problems: exit 1, message already printed.
    struct Problems: Error {}

    static func map(_ error: any Error) -> any Error {
        switch error {
        case is Problems:
            return ExitCode(1)
        case let user as UserFailure:
            fail(user.message)
            return ExitCode(user.code)
        case let token as TokenStore.Problem:
            fail(token.description)
            if case .notFound = token { return ExitCode(1) }
            if case .alreadyRevoked = token { return ExitCode(1) }
            return ExitCode(2)
        case let store as StoreError:
            fail(store.description)
            switch store {
            case .unreachable: return ExitCode(3)
            case .configuration, .invalidFile: return ExitCode(2)
            case .migrationEdited, .migrationFailed, .unknownMigration, .embedded, .database: return ExitCode(1)
            }
        case let exit as ExitCode:
            return exit
        default:
            if error is CleanExit || error is ValidationError || "\(type(of: error))".contains("CommandError") {
                return error
            }
            fail(String(describing: error))
            return ExitCode(1)
        }
    }

    /// Progress for the operator, on standard error (standard output belongs to the command's results).
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("precursorctl: \(message)\n".utf8))
    }

    static func fail(_ message: String) {
        FileHandle.standardError.write(Data("precursorctl: \(message)\n".utf8))
    }
}

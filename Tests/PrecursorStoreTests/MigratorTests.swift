import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import PrecursorStore

@Suite struct MigratorTests {
    let logger = Logger(label: "test")

    func migrator() throws -> Migrator {
        Migrator(migrations: try Migration.load(from: TestDatabase.repositoryRoot + "/sql"), logger: logger)
    }

    @Test func appliesEverythingOnceThenNothing() async throws {
        let url = try await TestDatabase.empty("migrate")
        let migrator = try migrator()
        try await Database.with(url: url, logger: logger) { db in
            #expect(try await migrator.status(db).pending.count == migrator.migrations.count)
            let first = try await migrator.migrate(db)
            #expect(first == migrator.migrations.map(\.name))
            let second = try await migrator.migrate(db)
            #expect(second.isEmpty)
            #expect(try await migrator.status(db).isCurrent)
        }
    }

    @Test func refusesToRunWhenAnAppliedFileWasEdited() async throws {
        let url = try await TestDatabase.migrated("edited")
        var migrations = try migrator().migrations
        migrations[1] = Migration(name: migrations[1].name, sql: migrations[1].sql + "\n-- an innocent-looking edit\n")
        let edited = Migrator(migrations: migrations, logger: logger)
        try await Database.with(url: url, logger: logger) { db in
            await #expect {
                try await edited.migrate(db)
            } throws: { error in
                guard case StoreError.migrationEdited(let name, _, _) = error else { return false }
                return name == migrations[1].name && "\(error)".contains(migrations[1].name)
            }
            let status = try await edited.status(db)
            #expect(status.edited == [migrations[1].name])
        }
    }

    @Test func aFailingMigrationLeavesNothingOfItself() async throws {
        let url = try await TestDatabase.migrated("failing")
        let broken = Migration(name: "9999_broken.sql", sql: "CREATE TABLE half_done (id int);\nSELECT no_such_function();")
        let migrator = Migrator(migrations: try migrator().migrations + [broken], logger: logger)
        try await Database.with(url: url, logger: logger) { db in
            await #expect {
                try await migrator.migrate(db)
            } throws: { error in
                guard case StoreError.migrationFailed(let name, let statement, _) = error else { return false }
                return name == "9999_broken.sql" && statement == 2
            }
            let rows = try await db.rows("SELECT to_regclass('public.half_done') IS NULL")
            #expect(try rows.first?.decode(Bool.self) == true)
            let status = try await migrator.status(db)
            #expect(status.pending == ["9999_broken.sql"])
        }
    }

    @Test func concurrentMigratorsApplyEachFileOnce() async throws {
        let url = try await TestDatabase.empty("race")
        let migrator = try migrator()
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask { try await Database.with(url: url, logger: logger) { try await migrator.migrate($0) } }
            }
            var all: [[String]] = []
            for try await applied in group { all.append(applied) }
            return all
        }
        #expect(results.flatMap { $0 }.sorted() == migrator.migrations.map(\.name).sorted())
        #expect(results.filter { !$0.isEmpty }.count == 1)
    }
}

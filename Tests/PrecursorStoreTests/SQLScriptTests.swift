import Testing

@testable import PrecursorStore

@Suite struct SQLScriptTests {
    @Test func splitsAtTopLevelSemicolons() {
        #expect(SQLScript.statements("SELECT 1; SELECT 2;\n\n") == ["SELECT 1", "SELECT 2"])
    }

    @Test func keepsSemicolonsInsideQuotesCommentsAndDollarBodies() {
        let script = """
            -- a comment; with a semicolon
            CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT 'a;b' $$;
            INSERT INTO t VALUES ('it''s; fine', E'back\\'slash;', "odd;name");
            /* block; /* nested; */ still */ SELECT $tag$ x; $$ y; $tag$;
            -- trailing comment only
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix("AS $$ SELECT 'a;b' $$"))
        #expect(statements[1].contains("'it''s; fine'"))
        #expect(statements[1].contains("\"odd;name\""))
        #expect(statements[2].contains("$tag$ x; $$ y; $tag$"))
    }

    @Test func positionalParametersAreNotDollarQuotes() {
        #expect(SQLScript.statements("SELECT $1; SELECT 2") == ["SELECT $1", "SELECT 2"])
    }

    @Test func everyMigrationSplitsIntoStatements() throws {
        let migrations = try Migration.load(from: ResourceLocator.sourceRoot + "/sql")
        #expect(migrations.count >= 5)
        for migration in migrations {
            #expect(!SQLScript.statements(migration.sql).isEmpty, "\(migration.name)")
        }
    }
}

@Suite struct DatabaseURLTests {
    @Test func parsesTCPURIs() throws {
        let url = try DatabaseURL("postgres://alice:s%40cret@db.example:6543/registry?sslmode=require")
        #expect(url.host == "db.example")
        #expect(url.port == 6543)
        #expect(url.user == "alice")
        #expect(url.password == "s@cret")
        #expect(url.database == "registry")
        #expect(url.sslMode == "require")
        #expect(!url.description.contains("cret"))
    }

    @Test func parsesUnixSocketURIs() throws {
        let url = try DatabaseURL("postgres:///precursor?host=/tmp/sock&port=5433&user=postgres")
        #expect(url.isUnixSocket)
        #expect(url.socketPath == "/tmp/sock/.s.PGSQL.5433")
        #expect(url.database == "precursor")
        #expect(try DatabaseURL(url.uri) == url)
    }

    @Test(arguments: ["mysql://x/y", "not a url", "postgres://h/db?sslmode=sometimes", "postgres://h:99999/db", "postgres://h/db?frobnicate=1"])
    func rejectsWhatItCannotUse(_ text: String) {
        #expect(throws: StoreError.self) { try DatabaseURL(text) }
    }
}

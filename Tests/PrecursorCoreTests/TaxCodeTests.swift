import Testing

@testable import PrecursorCore

@Suite struct TaxCodeTests {
    /// Real enterprise codes (published registrations) and the domain notes' worked example.
    @Test(arguments: ["0100233488", "0314409058", "0100109106", "0300588569", "0101243150", "0102721191", "0301471309", "3600252847"])
    func acceptsValidCodes(_ text: String) throws {
        #expect(try TaxCode(text).value == text)
    }

    @Test func worksTheDomainNotesExample() {
        // 0100233488: S = 167, 167 mod 11 = 2, check 10 - 2 = 8.
        #expect(TaxCode.checkDigit([0, 1, 0, 0, 2, 3, 3, 4, 8]) == 8)
    }

    @Test func remainderTenGivesCheckDigitZero() throws {
        // 0101243150 has S mod 11 = 10.
        #expect(TaxCode.checkDigit([0, 1, 0, 1, 2, 4, 3, 1, 5]) == 0)
        #expect(try TaxCode("0101243150").value == "0101243150")
    }

    @Test(arguments: ["0100233488", "0314409058", "0101243150", "3600252847"])
    func rejectsEveryWrongCheckDigit(_ valid: String) {
        let good = valid.last!.wholeNumberValue!
        for digit in 0...9 where digit != good {
            let text = String(valid.dropLast()) + String(digit)
            #expect(throws: TaxCode.Problem.wrongCheckDigit(expected: good, found: digit)) { try TaxCode(text) }
        }
    }

    @Test func rejectsAPrefixWithNoPossibleCheckDigit() {
        // 010000005: S mod 11 = 0, so no tenth digit can make it valid.
        #expect(TaxCode.checkDigit([0, 1, 0, 0, 0, 0, 0, 0, 5]) == nil)
        for digit in 0...9 {
            #expect(throws: TaxCode.Problem.impossiblePrefix) { try TaxCode("010000005\(digit)") }
        }
    }

    @Test func normalisesSpacesDotsAndHyphens() throws {
        #expect(try TaxCode(" 0100.233.488 ").value == "0100233488")
        #expect(try TaxCode("0314409058-002").value == "0314409058-002")
        #expect(try TaxCode("0314409058 002").value == "0314409058-002")
        #expect(try TaxCode("0314409058002").value == "0314409058-002")
    }

    @Test func branchCodesKnowTheirEnterprise() throws {
        let branch = try TaxCode("0314409058-002")
        #expect(branch.isBranch)
        #expect(branch.enterprise.value == "0314409058")
        #expect(try TaxCode("0314409058").enterprise.isBranch == false)
    }

    @Test func rejectsImpossibleShapes() {
        #expect(throws: TaxCode.Problem.empty) { try TaxCode("") }
        #expect(throws: TaxCode.Problem.empty) { try TaxCode(" - . ") }
        #expect(throws: TaxCode.Problem.wrongLength(9)) { try TaxCode("010023348") }
        #expect(throws: TaxCode.Problem.wrongLength(11)) { try TaxCode("01002334880") }
        #expect(throws: TaxCode.Problem.wrongLength(12)) { try TaxCode("012345678901") }
        #expect(throws: TaxCode.Problem.badCharacter("A")) { try TaxCode("01002334A8") }
        #expect(throws: TaxCode.Problem.badCharacter("٣")) { try TaxCode("010023348٣") }
        #expect(throws: TaxCode.Problem.zeroSequence) { try TaxCode("0100000000") }
        #expect(throws: TaxCode.Problem.zeroBranchSuffix) { try TaxCode("0314409058-000") }
    }

    @Test func describesEachProblemForAPerson() {
        #expect(TaxCode.Problem.wrongCheckDigit(expected: 8, found: 9).description == "has check digit 9, expected 8")
        #expect(TaxCode.Problem.wrongLength(9).description.contains("expected 10"))
    }
}

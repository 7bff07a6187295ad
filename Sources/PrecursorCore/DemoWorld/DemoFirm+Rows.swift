/// The rows one firm contributes to each file of the demo world.
extension DemoFirm {
    func write(
        context: DemoContext, counters: inout DemoCounters, rng: inout DemoRandom, sink: inout some DemoWorldSink,
        summary: inout DemoWorldSummary
    ) throws {
        func emit(_ file: DemoWorldFile, _ fields: [String]) throws {
            try sink.write(DemoFormat.row(fields), to: file)
            summary.rows[file, default: 0] += 1
        }
        try emit(.firms, [taxCode, name, sector.rawValue, province.name, registeredOn.description, "active", keyEnterprise ? "true" : "false"])
        for facility in facilities {
            try emit(
                .facilities, [taxCode, facility.code, facility.kind, facility.name, facility.zone?.code ?? "", facility.province, facility.address])
        }
        var histories: [DemoLineHistory] = []
        var truth: [(line: Int, offset: Int)] = (plan?.truth ?? []).map { (plan?.line ?? 0, $0) }
        for index in lines.indices {
            var history = simulate(lineIndex: index, context: context, rng: &rng)
            let (licences, licenceTruth) = licences(lineIndex: index, history: &history, context: context, counters: &counters, rng: &rng)
            if let licenceTruth { truth = licenceTruth.map { (index, $0) } }
            for licence in licences {
                try emit(
                    .licences,
                    [
                        licence.number, taxCode, lines[index].substance.authority, "import", lines[index].substance.code, "",
                        DemoFormat.kg(licence.grams), licence.from.description, licence.until.description, "active",
                    ])
            }
            histories.append(history)
        }
        try writeDeclarations(histories, counters: &counters, emit: emit)
        try writeReports(histories, rng: &rng, emit: emit)
        if let plan {
            if plan.scenario == .lateReport {
                truth = lines.indices.flatMap { line in plan.truth.map { (line, $0) } }
            }
            for (line, offset) in truth.sorted(by: { ($0.offset, $0.line) < ($1.offset, $1.line) }) {
                try emit(
                    .truth,
                    [
                        taxCode, lines[line].substance.code, context.start.adding(offset).description, plan.scenario.rawValue,
                        plan.scenario.kind.rawValue,
                    ])
            }
            summary.planted[plan.scenario, default: 0] += 1
        }
    }

    private func writeDeclarations(
        _ histories: [DemoLineHistory], counters: inout DemoCounters, emit: (DemoWorldFile, [String]) throws -> Void
    ) throws {
        var all: [(line: Int, shipment: DemoShipment)] = []
        for (index, history) in histories.enumerated() { all += history.shipments.map { (index, $0) } }
        all.sort { ($0.shipment.date, $0.line) < ($1.shipment.date, $1.line) }
        for (index, shipment) in all {
            counters.declaration += 1
            let number = String(105_200_000_000 + counters.declaration)
            let substance = lines[index].substance
            for (lineNo, part) in shipment.lines.enumerated() {
                try emit(
                    .declarations,
                    [
                        number, "\(lineNo + 1)", shipment.date.description, "import", taxCode, shipment.office.code, shipment.office.mode,
                        shipment.country, substance.hsCode, substance.code, DemoFormat.milli(part.quantityMilli), part.unit,
                        DemoFormat.grade(part.grade), shipment.licenceNo, DemoFormat.cents(part.valueCents),
                    ])
            }
        }
    }

    private func writeReports(_ histories: [DemoLineHistory], rng: inout DemoRandom, emit: (DemoWorldFile, [String]) throws -> Void) throws {
        let facility = facilities[0].code
        for (periodIndex, period) in periods.enumerated() {
            for (index, history) in histories.enumerated() {
                let books = (max(0, period.first)...period.last).compactMap { history.books[$0] }
                var total = DemoBook(opening: books.first?.opening ?? 0, closing: books.last?.closing ?? 0)
                for book in books {
                    total.imported += book.imported
                    total.purchased += book.purchased
                    total.used += book.used
                    total.sold += book.sold
                    total.lost += book.lost
                }
                try emit(
                    .reports,
                    [
                        taxCode, period.label, facility, lines[index].substance.code, DemoFormat.kg(total.opening), DemoFormat.kg(total.imported),
                        DemoFormat.kg(total.purchased), "0.000", DemoFormat.kg(total.used), DemoFormat.kg(total.sold), "0.000",
                        DemoFormat.kg(total.lost), DemoFormat.kg(total.closing), "",
                    ])
            }
            let late = plan?.scenario == .lateReport && plan!.latePeriods.contains(periodIndex)
            let filed =
                late
                ? period.end.adding(days: dueDays + rng.int(3...45))
                : period.end.adding(days: rng.chance(0.2) ? rng.int((dueDays - 2)...dueDays) : rng.int(3...dueDays))
            try emit(.filings, [taxCode, period.label, facility, filed.description])
        }
    }
}

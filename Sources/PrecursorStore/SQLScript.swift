import Foundation

/// Splits a SQL script into statements at top-level semicolons, keeping quoted text, dollar-quoted bodies,
/// identifiers and comments intact, so that a migration file can be run one statement at a time over the extended
/// protocol (which takes one statement per query).
public enum SQLScript {
    /// The statements of `script`, trimmed, without empty ones; each keeps its own comments.
    public static func statements(_ script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var i = 0
        var meaningful = false

        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if meaningful, !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
            meaningful = false
        }

        func append(_ range: Range<Int>) {
            current.append(contentsOf: chars[range])
        }

        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            switch c {
            case "-" where next == "-":
                var j = i
                while j < chars.count, chars[j] != "\n" { j += 1 }
                append(i..<j)
                i = j
            case "/" where next == "*":
                var depth = 0
                var j = i
                repeat {
                    if chars[j] == "/", j + 1 < chars.count, chars[j + 1] == "*" {
                        depth += 1
                        j += 2
                    } else if chars[j] == "*", j + 1 < chars.count, chars[j + 1] == "/" {
                        depth -= 1
                        j += 2
                    } else {
                        j += 1
                    }
                } while depth > 0 && j < chars.count
                append(i..<j)
                i = j
            case "'", "\"":
                // E'…' strings treat backslash as an escape; identifiers and plain strings double their quote.
                let escaped =
                    c == "'" && i > 0 && (chars[i - 1] == "E" || chars[i - 1] == "e")
                    && (i < 2 || !isIdentifierScalar(chars[i - 2]))
                let end = closingQuote(chars, from: i, backslashEscapes: escaped)
                append(i..<end)
                meaningful = true
                i = end
            case "$" where i == 0 || !isIdentifierScalar(chars[i - 1]):
                // A dollar quote: $$ or $tag$ … $tag$.
                var j = i + 1
                while j < chars.count, isIdentifierScalar(chars[j]), !(chars[j].properties.numericType != nil && j == i + 1) {
                    j += 1
                }
                if j < chars.count, chars[j] == "$" {
                    let tag = Array(chars[i...j])
                    var k = j + 1
                    var end = chars.count
                    while k + tag.count <= chars.count {
                        if Array(chars[k..<(k + tag.count)]) == tag {
                            end = k + tag.count
                            break
                        }
                        k += 1
                    }
                    append(i..<end)
                    meaningful = true
                    i = end
                } else {
                    current.append(c)
                    meaningful = true
                    i += 1
                }
            case ";":
                flush()
                i += 1
            default:
                current.append(c)
                if !c.properties.isWhitespace { meaningful = true }
                i += 1
            }
        }
        flush()
        return statements
    }

    /// The index just past the quote that closes the one at `start` (a doubled quote stands for itself).
    private static func closingQuote(_ chars: [Unicode.Scalar], from start: Int, backslashEscapes: Bool) -> Int {
        let quote = chars[start]
        var j = start + 1
        while j < chars.count {
            if backslashEscapes, chars[j] == "\\" {
                j += 2
            } else if chars[j] == quote {
                guard j + 1 < chars.count, chars[j + 1] == quote else { break }
                j += 2
            } else {
                j += 1
            }
        }
        return min(j + 1, chars.count)
    }

    private static func isIdentifierScalar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c)
    }
}

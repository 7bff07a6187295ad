/// The HTTP client of precursord, generated from `openapi.yaml` (the same document the server is generated from;
/// `openapi.yaml` here is a link to `Sources/PrecursorAPI/openapi.yaml`). `precursorctl`'s user commands use it and
/// never link the server stack.
public enum PrecursorClientInfo {
    /// The API version this client was generated for.
    public static let apiVersion = "1.0.0"
}

// The versions of the C libraries the program runs on, as each library reports itself at run time
// (not the headers it was built against): for `lesson --version` and run.json.
import CFreeType
import CPNG

public enum LibraryVersions {
    /// libpng's own version string, e.g. "1.6.39".
    public static var png: String { png_get_libpng_ver(nil).map { String(cString: $0) } ?? "unknown" }

    /// FreeType's version, e.g. "2.12.1", from a library opened for the question.
    public static var freetype: String {
        var library: FT_Library?
        guard FT_Init_FreeType(&library) == 0, let library else { return "unknown" }
        defer { FT_Done_FreeType(library) }
        var major: FT_Int = 0, minor: FT_Int = 0, patch: FT_Int = 0
        FT_Library_Version(library, &major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}

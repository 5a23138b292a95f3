// The PNG renderer: a picture record drawn to pixels, encoded through libpng and written atomically
// (a half-written PNG never stays behind); the bytes go back on the stream for the handout and the
// notebook to embed.
import Foundation
import Rendering

enum PictureFile {
    static func write(_ picture: Picture, to url: URL, zoom: Int = 1) throws -> Data {
        do {
            let data = Data(try PNGFile.encode(picture.content.render(zoom: zoom)))
            try AtomicFile.write(data, to: url)
            return data
        } catch let e as FileWriteError { throw LessonError(e.description) } catch {
            throw LessonError("cannot write \(url.path): \(error).")
        }
    }
}

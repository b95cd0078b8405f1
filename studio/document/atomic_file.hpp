#pragma once
// Writes a whole file or nothing (QSaveFile: a temporary, renamed over the target on success), so a
// crash or a full disk never leaves half a policy or half a list behind.
#include <QByteArray>
#include <QString>

namespace verdict::studio {

/// Creates the parent folder if needed. On failure returns false and says "path: reason".
bool writeFileAtomically(const QString& path, const QByteArray& bytes, QString* error);

}  // namespace verdict::studio

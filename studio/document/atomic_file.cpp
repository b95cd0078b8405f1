#include "document/atomic_file.hpp"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace verdict::studio {

bool writeFileAtomically(const QString& path, const QByteArray& bytes, QString* error) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QSaveFile file(path);
  if (file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.commit()) return true;
  if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
  return false;
}

}  // namespace verdict::studio

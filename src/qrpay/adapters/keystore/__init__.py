"""Key store: named, versioned keys behind one Protocol (``base``), with a software backend
(``software``) and a PKCS#11 HSM backend (``pkcs11``); ``factory`` picks one from settings."""

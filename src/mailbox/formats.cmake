# Parsers of untrusted text the mailbox uses: the safe Markdown of letters and the recipient files of
# bulk sending. Their own library, so the fuzz targets link nothing else.
barid_module(mailbox_formats SOURCES markdown.cpp recipient_file.cpp DEPS barid_core PRIVATE_DEPS PkgConfig::MD4C)
barid_test(barid_mailbox_formats_test SOURCES markdown_test.cpp recipient_file_test.cpp DEPS barid_mailbox_formats)

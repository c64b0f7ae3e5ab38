from coderunner.entrypoints.cli.main import app

app()

from flaskapp import create_app

app = create_app()

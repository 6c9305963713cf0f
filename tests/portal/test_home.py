def test_home_points_managers_to_admin_and_developers_to_dashboard(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b'href="/admin/"' in response.content
    assert b'href="/dashboard/"' in response.content
